/**
 * Exactly-once announcements over the watch state, for a backup or any alert alike:
 * claim the occurrence with a conditional write (deciding again on the fresh state),
 * deliver to each channel that has not had it, record each delivery as soon as it lands,
 * release the claim. A run that loses the claim sends nothing.
 */
import { describeError } from './errors';
import type { Logger } from './log';
import type { Notifier } from './notify/delivery';
import type { Channel, MessageContext, Notice } from './notify/notice';
import { StateConflictError, type StateStore, StateStoreError } from './state/store';
import type { AlertKind, ChannelDelivery, WatchState } from './state/watchState';

export interface DeliveryResult {
  channel: Channel;
  result: 'sent' | 'already-sent' | 'failed' | 'would-send';
  error?: { code: string; message: string; hint?: string };
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

export interface AnnouncerDeps {
  store: StateStore;
  orgKey: string;
  notifiers: readonly Notifier[];
  runId: string;
  now: () => Date;
  claimTtlMs: number;
  log: Logger;
  messageContext: () => MessageContext;
}

export class Announcer {
  constructor(private readonly deps: AnnouncerDeps) {}

  /** Delivers `notice` once per channel; undefined when another run holds it or nothing is pending. */
  async announce(target: AnnouncementTarget, notice: Notice): Promise<DeliveryResult[] | undefined> {
    const claimed = await this.claim(target);
    if (!claimed) return undefined;
    const results: DeliveryResult[] = [];
    try {
      for (const notifier of this.deps.notifiers) {
        results.push(
          claimed[notifier.channel]?.status === 'delivered'
            ? { channel: notifier.channel, result: 'already-sent' }
            : await this.deliver(notifier, notice, target, claimed[notifier.channel]),
        );
      }
    } finally {
      await this.mutate((state) => (state.claim?.owner === this.deps.runId ? { ...state, claim: undefined } : undefined));
    }
    return results;
  }

  pendingChannels(deliveries: Deliveries | undefined): Notifier[] {
    return this.deps.notifiers.filter((n) => deliveries?.[n.channel]?.status !== 'delivered');
  }

  alreadySent(deliveries: Deliveries | undefined): DeliveryResult[] {
    return this.deps.notifiers
      .filter((n) => deliveries?.[n.channel]?.status === 'delivered')
      .map((n) => ({ channel: n.channel, result: 'already-sent' as const }));
  }

  /**
   * Read, change, write with the ETag just read; on a conflict, read again and re-decide.
   * `change` returns undefined when, on the fresh state, there is nothing to write.
   * Returns the state written, or undefined when nothing was.
   */
  async mutate(change: (state: WatchState) => WatchState | undefined): Promise<WatchState | undefined> {
    const { store, orgKey } = this.deps;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await store.read<WatchState>(orgKey, 'watch');
      const next = change(current?.value ?? {});
      if (!next) return undefined;
      try {
        await store.write(orgKey, 'watch', next, current?.etag);
        return next;
      } catch (error) {
        if (!(error instanceof StateConflictError)) throw error;
      }
    }
    throw new StateStoreError('five writes in a row lost to other runs', 'Too many runs at once: check BACKUP_WATCH_SCHEDULE and how often backupCheck is called.');
  }

  private async claim(target: AnnouncementTarget): Promise<Deliveries | undefined> {
    const written = await this.mutate((state) => {
      if (this.claimedByOther(state)) return undefined;
      const adopted = target.find(state) ? state : target.adopt(state);
      if (!adopted || this.pendingChannels(target.find(adopted)).length === 0) return undefined;
      const until = new Date(this.deps.now().getTime() + this.deps.claimTtlMs).toISOString();
      return { ...adopted, claim: { owner: this.deps.runId, until } };
    });
    // Only what was actually written counts: an attempt that lost the race decided nothing.
    return written?.claim?.owner === this.deps.runId ? target.find(written) : undefined;
  }

  private claimedByOther(state: WatchState): boolean {
    return !!state.claim && state.claim.owner !== this.deps.runId && Date.parse(state.claim.until) > this.deps.now().getTime();
  }

  private async deliver(notifier: Notifier, notice: Notice, target: AnnouncementTarget, previous: ChannelDelivery | undefined): Promise<DeliveryResult> {
    const attempts = (previous?.attempts ?? 0) + 1;
    const at = this.deps.now().toISOString();
    let result: DeliveryResult;
    let delivery: ChannelDelivery;
    try {
      await notifier.deliver(notifier.render(notice, this.deps.messageContext()));
      result = { channel: notifier.channel, result: 'sent' };
      delivery = { status: 'delivered', at, attempts };
    } catch (error) {
      const safe = describeError(error);
      result = { channel: notifier.channel, result: 'failed', error: safe };
      delivery = { status: 'failed', at, code: safe.code, message: safe.message, attempts };
      this.deps.log.warn(`${notifier.channel} delivery failed: ${safe.message}`, { code: safe.code, hint: safe.hint });
    }
    // Recorded at once: if this run dies now, the next one knows this channel is done.
    await this.mutate((state) => (target.find(state) ? target.record(state, notifier.channel, delivery) : undefined));
    return result;
  }
}

/**
 * One alert's latest occurrence in state.alerts, under `key` (its kind unless several may be
 * open at once); a new occurrence replaces the old.
 */
export function alertTarget(kind: AlertKind, occurrence: string, notice: Notice, now: Date, key: string = kind): AnnouncementTarget {
  return {
    find: (state) => (state.alerts?.[key]?.occurrence === occurrence ? state.alerts[key]!.deliveries : undefined),
    adopt: (state) => ({
      ...state,
      alerts: { ...state.alerts, [key]: { kind, occurrence, raisedAt: now.toISOString(), notice, deliveries: {} } },
    }),
    record: (state, channel, delivery) => {
      const record = state.alerts![key]!;
      return { ...state, alerts: { ...state.alerts, [key]: { ...record, deliveries: { ...record.deliveries, [channel]: delivery } } } };
    },
  };
}
