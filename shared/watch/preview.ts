/** A dry run's answer: the plan rendered as the exact payloads each channel would get. Writes nothing. */
import { undeliveredChannels } from '../state/watchState';
import type { Run } from './act';
import { backupNotice, type DecidedBackup, settledDecision, summarise } from './planBackup';
import type { BackupDecision } from './types';

export function previewBackup(run: Run, action: DecidedBackup): BackupDecision {
  switch (action.do) {
    case 'report':
      return { outcome: action.outcome, backup: action.backup };
    case 'settle':
      return settledDecision(action.backup, run.channels);
    case 'record-expired':
      return { outcome: 'links-expired', backup: summarise(action.backup) };
    case 'announce': {
      const { backup } = action;
      const ctx = run.announcer.messageContext();
      const notice = backupNotice(backup, run.deps.org, run.deps.archive?.container, ctx);
      const pending = undeliveredChannels(run.channels, backup.deliveries);
      const notifiers = run.deps.notifiers.filter((n) => pending.includes(n.channel));
      return {
        outcome: 'dry-run',
        backup: summarise(backup),
        deliveries: notifiers.map((n) => ({ channel: n.channel, result: 'would-send' as const })),
        preview: Object.fromEntries(notifiers.map((n) => [n.channel, n.render(notice, ctx)])),
      };
    }
  }
}
