/**
 * Exactly-once announcements over the watch state, for a backup or any alert alike:
 * claim the occurrence with a conditional write (deciding again on the fresh state),
 * deliver to each channel that has not had it, record each delivery as soon as it lands,
 * release the claim. A run that loses the claim sends nothing.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULTS } from '../defaults';
import { describeError, type SafeError, unexpectedStack } from '../errors';
import type { Logger } from '../log';
import { withEvent } from '../state/history';
import type { WatchStateRepository } from '../state/repository';
import type { AlertKind, ChannelDelivery, WatchState } from '../state/watchState';
import type { Notifier } from './delivery';
import { holdClaim } from './heldClaims';
import type { Channel, MessageContext, Notice } from './notice';

export interface DeliveryResult {
  channel: Channel;
  result: 'sent' | 'already-sent' | 'failed' | 'would-send';
  error?: SafeError;
}

type Deliveries = Partial<Record<Channel, ChannelDelivery>>;

/** Where one occurrence lives in the watch state. */
export interface AnnouncementTarget {
  /** Its deliveries on this state, or undefined when the state does not hold this occurrence. */
  find(state: WatchState): Deliveries | undefined;
  /** The state with this occurrence taken on (no deliveries yet); undefined if the fresh state rules it out. */
  adopt(state: WatchState): WatchState | undefined;
  /** The state with one channel's delivery recorded. */
  record(state: WatchState, channel: Channel, delivery: ChannelDelivery): WatchState;
}

interface AnnouncerDeps {
  repo: WatchStateRepository;
  notifiers: readonly Notifier[];
  /** Who this run is, in claims. */
  runId: string;
  now: () => Date;
  claimTtlMs: number;
  log: Logger;
  timezone: string;
}

/** An announcer for one run: its own claim id, the default claim lifetime unless given. */
export function createAnnouncer(
  deps: Omit<AnnouncerDeps, 'runId' | 'claimTtlMs'> & Partial<Pick<AnnouncerDeps, 'runId' | 'claimTtlMs'>>,
): Announcer {
  return new Announcer({ ...deps, runId: deps.runId ?? randomUUID(), claimTtlMs: deps.claimTtlMs ?? DEFAULTS.claimTtlMs });
}

export class Announcer {
  constructor(private readonly deps: AnnouncerDeps) {}

  private messageContext(): MessageContext {
    return { timezone: this.deps.timezone, now: this.deps.now() };
  }

  /**
   * Delivers `notice` once per channel (or the notice `notice(channel)` gives, where channels
   * differ); undefined when another run holds it or nothing is pending.
   */
  async announce(
    target: AnnouncementTarget,
    notice: Notice | ((channel: Channel) => Notice),
    audience?: readonly Channel[],
  ): Promise<DeliveryResult[] | undefined> {
    const notifiers = audience ? this.deps.notifiers.filter((n) => audience.includes(n.channel)) : this.deps.notifiers;
    const claimed = await this.claim(target, notifiers);
    if (!claimed) return undefined;
    const release = () =>
      this.deps.repo.mutate((state) => (state.claim?.owner === this.deps.runId ? { ...state, claim: undefined } : undefined));
    const forget = holdClaim(release);
    const results: DeliveryResult[] = [];
    try {
      for (const notifier of notifiers) {
        results.push(
          claimed[notifier.channel]?.status === 'delivered'
            ? { channel: notifier.channel, result: 'already-sent' }
            : await this.deliver(
                notifier,
                typeof notice === 'function' ? notice(notifier.channel) : notice,
                target,
                claimed[notifier.channel],
              ),
        );
      }
    } finally {
      forget();
      await release();
    }
    return results;
  }

  private async claim(target: AnnouncementTarget, notifiers: readonly Notifier[]): Promise<Deliveries | undefined> {
    const written = await this.deps.repo.mutate((state) => {
      if (this.claimedByOther(state)) return undefined;
      const adopted = target.find(state) ? state : target.adopt(state);
      const deliveries = adopted && target.find(adopted);
      if (!adopted || notifiers.every((n) => deliveries?.[n.channel]?.status === 'delivered')) return undefined;
      const until = new Date(this.deps.now().getTime() + this.deps.claimTtlMs).toISOString();
      return { ...adopted, claim: { owner: this.deps.runId, until } };
    });
    // Only what was actually written counts: an attempt that lost the race decided nothing.
    return written?.claim?.owner === this.deps.runId ? target.find(written) : undefined;
  }

  private claimedByOther(state: WatchState): boolean {
    return !!state.claim && state.claim.owner !== this.deps.runId && Date.parse(state.claim.until) > this.deps.now().getTime();
  }

  private async deliver(
    notifier: Notifier,
    notice: Notice,
    target: AnnouncementTarget,
    previous: ChannelDelivery | undefined,
  ): Promise<DeliveryResult> {
    const attempts = (previous?.attempts ?? 0) + 1;
    const at = this.deps.now().toISOString();
    let result: DeliveryResult;
    let delivery: ChannelDelivery;
    try {
      await notifier.deliver(notifier.render(notice, this.messageContext()));
      result = { channel: notifier.channel, result: 'sent' };
      delivery = { status: 'delivered', at, attempts };
    } catch (error) {
      const safe = describeError(error);
      result = { channel: notifier.channel, result: 'failed', error: safe };
      delivery = { status: 'failed', at, code: safe.code, message: safe.message, attempts };
      const stack = unexpectedStack(error);
      this.deps.log.warn(`${notifier.channel} delivery failed: ${safe.message}${stack ? `\n${stack}` : ''}`, {
        code: safe.code,
        hint: safe.hint,
      });
    }
    // Recorded at once: if this run dies now, the next one knows this channel is done.
    await this.deps.repo.mutate((state) => (target.find(state) ? target.record(state, notifier.channel, delivery) : undefined));
    return result;
  }
}

/**
 * One alert's latest occurrence in state.alerts, under `key` (its kind unless several may be
 * open at once); a new occurrence replaces the old.
 */
export function alertTarget(
  kind: AlertKind,
  occurrence: string,
  notice: Notice,
  now: Date,
  key: string = kind,
  audience?: Channel[],
): AnnouncementTarget {
  return {
    find: (state) => {
      const record = state.alerts?.[key];
      return record?.occurrence === occurrence ? record.deliveries : undefined;
    },
    adopt: (state) =>
      withEvent(
        {
          ...state,
          alerts: {
            ...state.alerts,
            [key]: { kind, occurrence, raisedAt: now.toISOString(), notice, deliveries: {}, ...(audience ? { audience } : {}) },
          },
        },
        { at: now.toISOString(), kind, summary: notice.summary },
      ),
    record: (state, channel, delivery) => {
      const record = state.alerts?.[key];
      if (!record) return state;
      return { ...state, alerts: { ...state.alerts, [key]: { ...record, deliveries: { ...record.deliveries, [channel]: delivery } } } };
    },
  };
}

/**
 * An alert from outside a check (the archive worker, the drill): recorded in the org's state
 * before the claim, so that if a check holds the claim now, that check or the next delivers it.
 */
export async function recordAndAnnounce(
  repo: WatchStateRepository,
  announcer: Announcer,
  target: AnnouncementTarget,
  notice: Notice,
): Promise<void> {
  await repo.mutate((state) => (target.find(state) ? undefined : target.adopt(state)));
  await announcer.announce(target, notice);
}
