/**
 * The steps of a check that act: announce through the announcer (claim, deliver, record),
 * queue the archive, cache the schedule. Each carries out what the pure plan decided, with
 * the notices the plan wrote.
 */
import { cacheSchedule } from '../alerts/schedule';
import { archiveGenerationOf, archiveMessages, archivePrefix } from '../archive/plan';
import { warnOfFailure } from '../log';
import { type AnnouncementTarget, alertTarget } from '../notify/announcer';
import { withEvent } from '../state/history';
import { type TrackedBackup, trackedRecord, type WatchState } from '../state/watchState';
import { compareRecords } from '../zoho/schemas';
import type { AlertStep } from './planAlerts';
import type { DecidedBackup } from './planBackup';
import type { Run } from './run';
import type { AlertResult, BackupDecision } from './types';

export async function actOnBackup(run: Run, action: DecidedBackup): Promise<BackupDecision> {
  switch (action.do) {
    case 'report':
      return { outcome: action.outcome, backup: action.summary };
    case 'settle':
      await queueArchive(run, action.backup);
      return settledDecision(action);
    case 'record-expired': {
      const { backup } = action;
      await run.repo.mutate((state) => ({ ...state, backup }));
      return { outcome: 'links-expired', backup: action.summary };
    }
    case 'announce':
      return announceBackup(run, action);
  }
}

/** Nothing new: the tracked backup, and the channels that have it. */
export function settledDecision(action: Extract<DecidedBackup, { do: 'settle' }>): BackupDecision {
  return {
    outcome: 'nothing-new',
    backup: action.summary,
    deliveries: action.sentTo.map((channel) => ({ channel, result: 'already-sent' })),
  };
}

async function announceBackup(
  run: Run,
  { backup, summary, noticeFor }: Extract<DecidedBackup, { do: 'announce' }>,
): Promise<BackupDecision> {
  const deliveries = await run.announcer.announce(backupTarget(backup), noticeFor);
  if (!deliveries) return { outcome: 'claimed-elsewhere', backup: summary };
  await queueArchive(run, backup);
  const failed = deliveries.some((d) => d.result === 'failed');
  return { outcome: failed ? 'delivery-failed' : 'announced', backup: summary, deliveries };
}

/**
 * Queues each part of an announced backup for the archive worker, once. Enqueued before it
 * is recorded: a crash in between repeats messages (the worker skips archived parts)
 * rather than losing them.
 */
async function queueArchive(run: Run, backup: TrackedBackup): Promise<void> {
  const archive = run.deps.archive;
  if (!archive || backup.archive || !backup.announce || Date.parse(backup.expiresAt) <= run.now().getTime()) return;
  const messages = archiveMessages(backup, run.deps.org.key);
  try {
    await archive.queue.enqueue(messages);
  } catch (error) {
    // Nothing was recorded, so the next check queues the parts again; the announcement stands.
    warnOfFailure(run.log, 'could not queue the backup for the archive', error);
    return;
  }
  const at = run.now().toISOString();
  const prefix = archivePrefix(backup, run.deps.org.key);
  const parts = Object.fromEntries(messages.map((m) => [m.fileName, { status: 'queued' as const, at }]));
  await run.repo.mutate((state) =>
    state.backup?.historyId === backup.historyId && !state.backup.archive
      ? {
          ...state,
          backup: {
            ...state.backup,
            archive: {
              container: archive.container,
              prefix,
              queuedAt: at,
              parts,
              generation: archiveGenerationOf(state, backup, run.deps.timezone),
            },
          },
        }
      : undefined,
  );
}

/** Calls /backup (it costs an API credit: only when planned) and caches its answer. */
export async function refreshSchedule(run: Run, state: WatchState): Promise<WatchState> {
  const schedule = cacheSchedule(await run.deps.zoho.getBackupDetails(), state.schedule, run.now());
  return (await run.repo.mutate((fresh) => ({ ...fresh, schedule }))) ?? { ...state, schedule };
}

export async function announceAlerts(run: Run, steps: readonly AlertStep[]): Promise<AlertResult[]> {
  const results: AlertResult[] = [];
  for (const step of steps) {
    // The announcer re-reads before it claims, so a stale plan can only cost a no-op.
    const target = alertTarget(step.kind, step.occurrence, step.notice, run.now(), step.key, step.audience);
    const deliveries = await run.announcer.announce(target, step.notice, step.audience);
    if (deliveries) results.push({ kind: step.kind, occurrence: step.occurrence, summary: step.notice.summary, deliveries });
  }
  return results;
}

/** The backup in state.backup, keyed by its history row id. */
function backupTarget(candidate: TrackedBackup): AnnouncementTarget {
  return {
    find: (state) => (state.backup?.historyId === candidate.historyId ? state.backup.deliveries : undefined),
    // Never step back: if the fresh state tracks a newer backup, this one is history.
    adopt: (state) =>
      state.backup && compareRecords(trackedRecord(state.backup), trackedRecord(candidate)) >= 0
        ? undefined
        : withEvent(
            { ...state, backup: candidate },
            {
              at: candidate.logTime,
              kind: 'backup-completed',
              summary: `backup completed: ${candidate.links.data.length + candidate.links.attachments.length} files`,
            },
          ),
    record: (state, channel, delivery) => {
      const backup = state.backup;
      if (!backup) return state;
      const announcedAt = backup.announcedAt ?? (delivery.status === 'delivered' ? delivery.at : undefined);
      return { ...state, backup: { ...backup, announcedAt, deliveries: { ...backup.deliveries, [channel]: delivery } } };
    },
  };
}
