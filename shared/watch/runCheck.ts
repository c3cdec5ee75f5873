/**
 * One check (design §6): read -> plan -> act -> record -> report.
 *
 * - The newest completed backup is found by log_time, whatever order Zoho returns.
 * - Every announcement (a backup or an alert) goes through the announcer: claimed with a
 *   conditional write, delivered once per channel, each delivery recorded as it lands.
 * - Nothing is advanced on a failure: a Zoho error, a 204 from /backup/urls or a refused
 *   message leaves the work for the next run. A crash between sending and recording may
 *   repeat a message; it never drops one.
 * - A quiet check costs one Zoho call (the history) and, with a cached token, no refresh.
 * - A dry run plans and renders, and writes nothing anywhere.
 */

import { channelOutcomes } from '../alerts/health';
import { needsBackupDetails } from '../alerts/schedule';
import { withinDeadline } from '../deadline';
import { DEFAULTS } from '../defaults';
import { describeError, unexpectedStack } from '../errors';
import { warnOfFailure } from '../log';
import type { WatchState } from '../state/watchState';
import { noTelemetry } from '../telemetry';
import type { HistoryRow } from '../zoho/schemas';
import { actOnBackup, announceAlerts, refreshSchedule } from './act';
import { planAlerts, planChannelAlerts, planHealthAlert } from './planAlerts';
import { type BackupAction, type BackupPlanContext, type DecidedBackup, planBackup, planLinks } from './planBackup';
import { previewBackup } from './preview';
import { type CheckVerdict, recordCheck } from './record';
import { buildReport, emitReport, isOk } from './report';
import { type Run, startRun } from './run';
import { type AlertResult, type BackupDecision, type CheckReport, failuresOf, type WatchDeps } from './types';

export async function runCheck(deps: WatchDeps, options: { dryRun?: boolean } = {}): Promise<CheckReport> {
  const run = startRun(deps);
  const started = run.now();
  const callsBefore = { ...deps.zoho.calls };
  const tokensBefore = deps.tokens?.mintedCount ?? 0;
  let decision: BackupDecision;
  let alerts: AlertResult[] = [];
  try {
    ({ decision, alerts } = await withinDeadline(deps.deadlineMs ?? DEFAULTS.checkDeadlineMs, 'the backup check', () =>
      checkWithinDeadline(run, options.dryRun ?? false),
    ));
  } catch (error) {
    decision = { outcome: 'failed', error: describeError(error) };
    // Logged once, here: the report carries the code and message, never a stack.
    const stack = unexpectedStack(error);
    if (stack) run.log.error(`the check failed unexpectedly: ${stack}`);
  }
  const verdict = verdictOf(decision, alerts);
  const healthAlerts = options.dryRun ? [] : await recordAndReportHealth(run, verdict, started);
  const report = buildReport({
    decision,
    // Telling the monitor's health can itself fail a delivery: the report says so, the record cannot.
    ok: verdict.ok && failuresOf({ deliveries: [], alerts: healthAlerts }).length === 0,
    alerts: [...alerts, ...healthAlerts],
    started,
    finished: run.now(),
    callsBefore,
    callsAfter: deps.zoho.calls,
    tokenRefreshes: (deps.tokens?.mintedCount ?? 0) - tokensBefore,
  });
  emitReport(report, deps.org.name, deps.telemetry ?? noTelemetry, run.log);
  return report;
}

/** Read, plan and act: everything that talks to Zoho and the channels, under the check's deadline. */
async function checkWithinDeadline(run: Run, dryRun: boolean): Promise<{ decision: BackupDecision; alerts: AlertResult[] }> {
  // The state read costs no time next to Zoho's answer.
  const [rows, state] = await Promise.all([run.deps.zoho.listHistory(), run.repo.read()]);
  const action = await resolveLinks(run, planBackup(rows, state, planContext(run)));
  if (dryRun) return { decision: previewBackup(run, action), alerts: [] };
  const decision = await actOnBackup(run, action);
  // A quiet check reuses the state it read; one that took on a backup reads it again.
  const tookOn = action.do === 'announce' || action.do === 'record-expired';
  return { decision, alerts: await raiseAlerts(run, rows, tookOn ? await run.repo.read() : state) };
}

function planContext(run: Run): BackupPlanContext {
  return { org: run.deps.org, channels: run.channels, archiveContainer: run.deps.archive?.container, ctx: run.messageContext() };
}

/** A newer backup needs its links: the one extra Zoho call of a check that has news. */
async function resolveLinks(run: Run, action: BackupAction): Promise<DecidedBackup> {
  if (action.do !== 'fetch-links') return action;
  return planLinks(action.newest, await run.deps.zoho.getDownloadUrls(), action.previous, planContext(run));
}

async function raiseAlerts(run: Run, rows: HistoryRow[], known: WatchState): Promise<AlertResult[]> {
  const state = needsBackupDetails(known.schedule, run.now(), run.settings.overdueGraceMs) ? await refreshSchedule(run, known) : known;
  const steps = planAlerts({
    rows,
    state,
    now: run.now(),
    settings: run.settings,
    orgName: run.deps.org.name,
    channels: run.channels,
    ctx: run.messageContext(),
  });
  return announceAlerts(run, steps);
}

/** What the check came to, once: the record and the report both follow it. */
function verdictOf(decision: BackupDecision, alerts: AlertResult[]): CheckVerdict {
  const failures = failuresOf({ error: decision.error, deliveries: decision.deliveries ?? [], alerts });
  const checkError = decision.outcome === 'failed' ? decision.error : undefined;
  const channels = channelOutcomes([...(decision.deliveries ?? []), ...alerts.flatMap((a) => a.deliveries)]);
  return { outcome: decision.outcome, ok: isOk(decision, alerts), checkError, firstError: failures[0], channels };
}

/** Records the check, then announces the monitor's health if that record opened or closed an incident. */
async function recordAndReportHealth(run: Run, verdict: CheckVerdict, started: Date): Promise<AlertResult[]> {
  const written = await recordCheck(run, verdict, started.toISOString());
  if (!written) return [];
  const ctx = run.messageContext();
  const health = planHealthAlert(written, run.deps.org.name, run.channels, ctx);
  const steps = [...(health ? [health] : []), ...planChannelAlerts(written, run.deps.org.name, run.channels, ctx)];
  if (steps.length === 0) return [];
  try {
    return await announceAlerts(run, steps);
  } catch (error) {
    warnOfFailure(run.log, "could not announce the monitor's health", error);
    return [];
  }
}
