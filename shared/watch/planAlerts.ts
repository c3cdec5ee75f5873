/**
 * Which alerts a check announces (pure): what the detectors find on the history and the
 * state, less what every channel already has, plus any earlier alert a channel missed. The
 * monitor's own health is planned after the check is recorded (planHealthAlert).
 */
import { detectExpiringLinks, detectFailedBackup, detectOverdueBackup, detectStoppedSchedule } from '../alerts/detectors';
import type { AlertSettings } from '../defaults';
import {
  backupFailedNotice,
  backupOverdueNotice,
  channelFailingNotice,
  channelRecoveredNotice,
  linksExpiringNotice,
  monitorRecoveredNotice,
  monitorUnhealthyNotice,
  scheduleStoppedNotice,
} from '../notify/alertNotices';
import type { Channel, MessageContext, Notice } from '../notify/notice';
import { type AlertKind, type AlertRecord, undeliveredChannels, type WatchState } from '../state/watchState';
import type { HistoryRow } from '../zoho/schemas';

export interface AlertStep {
  kind: AlertKind;
  occurrence: string;
  notice: Notice;
  /** Where it lives in state.alerts: its kind, or kind and subject (archive-failed:<file>). */
  key: string;
  /** Only these channels (a failing channel is told about through the others). */
  audience?: Channel[];
}

interface AlertPlanInput {
  rows: readonly HistoryRow[];
  state: WatchState;
  now: Date;
  settings: AlertSettings;
  orgName: string;
  channels: readonly Channel[];
  ctx: MessageContext;
}

export function planAlerts(input: AlertPlanInput): AlertStep[] {
  const detected = detectedAlerts(input);
  const handled = new Set(detected.map((step) => step.kind));
  const fresh = detected.filter((step) => isPending(input.state.alerts?.[step.key], step.occurrence, input.channels));
  return [...fresh, ...missedAlerts(input.state, handled, input.channels)];
}

function detectedAlerts({ rows, state, now, settings, orgName, ctx }: AlertPlanInput): AlertStep[] {
  const steps: AlertStep[] = [];
  const add = (kind: AlertKind, occurrence: string, notice: Notice) => steps.push({ kind, occurrence, notice, key: kind });
  const failed = detectFailedBackup(rows, state, now);
  if (failed) {
    const { log_time: at, done_by: by, repeat_type: repeatType } = failed.detail;
    add(failed.kind, failed.occurrence, backupFailedNotice(orgName, { at: at ?? undefined, by: by?.name, repeatType }, ctx));
  }
  const stopped = detectStoppedSchedule(rows, state, now);
  if (stopped) add(stopped.kind, stopped.occurrence, scheduleStoppedNotice(orgName, stopped.detail, ctx));
  const overdue = detectOverdueBackup(rows, state.schedule, now, settings.overdueGraceMs);
  if (overdue) add(overdue.kind, overdue.occurrence, backupOverdueNotice(orgName, overdue.detail, settings.overdueGraceMs, ctx));
  const expiring = detectExpiringLinks(state.backup, now, settings.remindBeforeExpiryMs);
  if (expiring) add(expiring.kind, expiring.occurrence, linksExpiringNotice(orgName, expiring.detail, ctx));
  return steps;
}

/** An alert a channel missed earlier (here or in the archive), whatever the detectors say now. */
function missedAlerts(state: WatchState, handled: ReadonlySet<AlertKind>, channels: readonly Channel[]): AlertStep[] {
  const records = Object.entries(state.alerts ?? {});
  return records
    .filter(
      ([key, record]) => !handled.has(key as AlertKind) && undeliveredChannels(record.audience ?? channels, record.deliveries).length > 0,
    )
    .map(([key, record]) => ({
      kind: record.kind,
      occurrence: record.occurrence,
      notice: record.notice,
      key,
      ...(record.audience ? { audience: record.audience } : {}),
    }));
}

/** A new occurrence, or the same one with a channel still waiting for it. */
function isPending(record: AlertRecord | undefined, occurrence: string, channels: readonly Channel[]): boolean {
  return record?.occurrence !== occurrence || undeliveredChannels(record.audience ?? channels, record.deliveries).length > 0;
}

/**
 * A channel that kept refusing messages is told about through the other channels, once, and
 * its recovery once more to all of them. With one channel there is no one else to tell.
 */
export function planChannelAlerts(state: WatchState, orgName: string, channels: readonly Channel[], ctx: MessageContext): AlertStep[] {
  const steps: AlertStep[] = [];
  for (const channel of channels) {
    const health = state.channels?.[channel];
    const incident = health?.incident;
    if (!incident?.alerted) continue;
    const others = channels.filter((c) => c !== channel);
    const step: AlertStep = incident.resolvedAt
      ? {
          kind: 'channel-recovered',
          occurrence: incident.since,
          notice: channelRecoveredNotice(orgName, channel, incident, ctx),
          key: `channel-recovered:${channel}`,
        }
      : {
          kind: 'channel-failing',
          occurrence: incident.since,
          notice: channelFailingNotice(orgName, channel, incident, health?.consecutiveFailures ?? 1, ctx),
          key: `channel-failing:${channel}`,
          audience: others,
        };
    if ((step.audience ?? channels).length > 0 && isPending(state.alerts?.[step.key], step.occurrence, step.audience ?? channels))
      steps.push(step);
  }
  return steps;
}

/** The monitor's own health, once the check is recorded: one alert per incident, one "recovered" when it ends. */
export function planHealthAlert(
  state: WatchState,
  orgName: string,
  channels: readonly Channel[],
  ctx: MessageContext,
): AlertStep | undefined {
  const incident = state.health?.incident;
  if (!incident?.alerted) return undefined;
  const step: AlertStep = incident.resolvedAt
    ? {
        kind: 'monitor-recovered',
        occurrence: incident.since,
        notice: monitorRecoveredNotice(orgName, incident, ctx),
        key: 'monitor-recovered',
      }
    : {
        kind: 'monitor-unhealthy',
        occurrence: incident.since,
        notice: monitorUnhealthyNotice(orgName, incident, state.health?.consecutiveFailures ?? 1, ctx),
        key: 'monitor-unhealthy',
      };
  return isPending(state.alerts?.[step.key], step.occurrence, channels) ? step : undefined;
}
