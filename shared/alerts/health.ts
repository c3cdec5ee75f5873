/** The monitor's own health: when a failing check becomes worth telling people, and when it ends. */
import type { ErrorCode, SafeError } from '../errors';
import type { Channel } from '../notify/notice';
import type { ChannelHealth, HealthState } from '../state/watchState';

/** Failures a person must fix: alert at once. Everything else may pass by itself. */
const NEEDS_A_PERSON = new Set<ErrorCode>([
  'ZOHO_INVALID_REFRESH_TOKEN',
  'ZOHO_INVALID_CLIENT',
  'OAUTH_SCOPE_MISMATCH',
  'NO_PERMISSION',
  'INVALID_URL_PATTERN',
  'INVALID_TOKEN',
  'UNTRUSTED_HOST',
]);

export function needsAPerson(code: ErrorCode): boolean {
  return NEEDS_A_PERSON.has(code);
}

/**
 * One more check's worth of an incident record (the monitor's, or a channel's). A failure
 * opens or continues an incident, `alerted` once it is urgent or `alertAfterFailures` checks
 * in a row failed. Success resolves an alerted incident (kept with resolvedAt, so the
 * "recovered" message can go out) and forgets one nobody was told about.
 */
function nextIncident(
  health: HealthState | undefined,
  failure: SafeError | undefined,
  now: Date,
  alertAfterFailures: number,
  urgent: boolean,
): HealthState {
  const open = health?.incident && !health.incident.resolvedAt ? health.incident : undefined;
  if (!failure) {
    if (open?.alerted) return { consecutiveFailures: 0, incident: { ...open, resolvedAt: now.toISOString() } };
    return { consecutiveFailures: 0, incident: open ? undefined : health?.incident };
  }
  const consecutiveFailures = (health?.consecutiveFailures ?? 0) + 1;
  const incident = open ?? { since: now.toISOString(), ...failure, alerted: false };
  const alerted = incident.alerted || urgent || consecutiveFailures >= alertAfterFailures;
  return { consecutiveFailures, incident: { ...incident, ...failure, alerted } };
}

/** The monitor's health after a check: errors a person must fix alert at once. */
export function nextHealth(
  health: HealthState | undefined,
  failure: SafeError | undefined,
  now: Date,
  alertAfterFailures: number,
): HealthState {
  return nextIncident(health, failure, now, alertAfterFailures, !!failure && needsAPerson(failure.code));
}

/** A channel's health after a check that tried it: refused in `alertAfterFailures` checks in a row alerts. */
export function nextChannelHealth(
  health: ChannelHealth | undefined,
  failure: SafeError | undefined,
  now: Date,
  alertAfterFailures: number,
): ChannelHealth {
  return nextIncident(health, failure, now, alertAfterFailures, false);
}

/** Per channel, what this check's deliveries came to: the first refusal, or success. Untried channels are absent. */
export function channelOutcomes(
  deliveries: ReadonlyArray<{ channel: Channel; result: string; error?: SafeError }>,
): Map<Channel, SafeError | undefined> {
  const outcomes = new Map<Channel, SafeError | undefined>();
  for (const d of deliveries) {
    if (d.result === 'failed') outcomes.set(d.channel, outcomes.get(d.channel) ?? d.error ?? { code: 'UNEXPECTED', message: 'refused' });
    else if (d.result === 'sent' && !outcomes.has(d.channel)) outcomes.set(d.channel, undefined);
  }
  return outcomes;
}
