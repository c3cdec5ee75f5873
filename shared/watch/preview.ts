/** A dry run's answer: the plan rendered as the exact payloads each channel would get. Writes nothing. */
import { undeliveredChannels } from '../state/watchState';
import { settledDecision } from './act';
import type { DecidedBackup } from './planBackup';
import type { Run } from './run';
import type { BackupDecision } from './types';

export function previewBackup(run: Run, action: DecidedBackup): BackupDecision {
  switch (action.do) {
    case 'report':
      return { outcome: action.outcome, backup: action.summary };
    case 'settle':
      return settledDecision(action);
    case 'record-expired':
      return { outcome: 'links-expired', backup: action.summary };
    case 'announce': {
      const pending = undeliveredChannels(run.channels, action.backup.deliveries);
      const notifiers = run.deps.notifiers.filter((n) => pending.includes(n.channel));
      const ctx = run.messageContext();
      return {
        outcome: 'dry-run',
        backup: action.summary,
        deliveries: notifiers.map((n) => ({ channel: n.channel, result: 'would-send' as const })),
        preview: Object.fromEntries(notifiers.map((n) => [n.channel, n.render(action.noticeFor(n.channel), ctx)])),
      };
    }
  }
}
