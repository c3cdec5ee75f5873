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
 * The monitor's health after a check. A failure opens (or continues) an incident, which is
 * marked `alerted` at once for errors a person must fix, or after `alertAfterFailures`
 * consecutive failures. Success resolves an alerted incident (kept, with resolvedAt, so the
 * "recovered" message can be announced) and forgets one nobody was told about.
 */
export function nextHealth(
  health: HealthState | undefined,
  failure: SafeError | undefined,
  now: Date,
  alertAfterFailures: number,
): HealthState {
  const open = health?.incident && !health.incident.resolvedAt ? health.incident : undefined;
  if (!failure) {
    if (open?.alerted) return { consecutiveFailures: 0, incident: { ...open, resolvedAt: now.toISOString() } };
    return { consecutiveFailures: 0, incident: open ? undefined : health?.incident };
  }
  const consecutiveFailures = (health?.consecutiveFailures ?? 0) + 1;
  const incident = open ?? { since: now.toISOString(), ...failure, alerted: false };
  const alerted = incident.alerted || needsAPerson(failure.code) || consecutiveFailures >= alertAfterFailures;
  return { consecutiveFailures, incident: { ...incident, ...failure, alerted } };
}

/**
 * A channel's health after a check that tried it: a refused message opens (or continues) an
 * incident, alerted once `alertAfterFailures` checks in a row were refused; a delivered one
 * resolves an alerted incident (for the "working again" message) and forgets any other.
 */
export function nextChannelHealth(
  health: ChannelHealth | undefined,
  failure: SafeError | undefined,
  now: Date,
  alertAfterFailures: number,
): ChannelHealth {
  const open = health?.incident && !health.incident.resolvedAt ? health.incident : undefined;
  if (!failure) {
    return open?.alerted ? { consecutiveFailures: 0, incident: { ...open, resolvedAt: now.toISOString() } } : { consecutiveFailures: 0 };
  }
  const consecutiveFailures = (health?.consecutiveFailures ?? 0) + 1;
  const incident = open ?? { since: now.toISOString(), ...failure, alerted: false };
  return {
    consecutiveFailures,
    incident: { ...incident, ...failure, alerted: incident.alerted || consecutiveFailures >= alertAfterFailures },
  };
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
