/** One check's collaborators, built once from what the caller passed in. */
import { type AlertSettings, DEFAULT_ALERT_SETTINGS } from '../defaults';
import { type Logger, silentLogger } from '../log';
import { type Announcer, createAnnouncer } from '../notify/announcer';
import type { Channel, MessageContext } from '../notify/notice';
import { WatchStateRepository } from '../state/repository';
import type { WatchDeps } from './types';

export interface Run {
  deps: WatchDeps;
  now: () => Date;
  log: Logger;
  settings: AlertSettings;
  /** Every state write of the check goes here; the announcer writes its claims through the same one. */
  repo: WatchStateRepository;
  /** Exactly-once delivery of a notice to the channels. */
  announcer: Announcer;
  channels: Channel[];
  /** The time zone and the clock's reading that messages are written with. */
  messageContext(): MessageContext;
}

export function startRun(deps: WatchDeps): Run {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? silentLogger;
  const repo = new WatchStateRepository(deps.store, deps.org.key, deps.org.legacy);
  const { timezone, runId, claimTtlMs } = deps;
  const announcer = createAnnouncer({ repo, notifiers: deps.notifiers, now, log, timezone, runId, claimTtlMs });
  return {
    deps,
    now,
    log,
    settings: deps.alerts ?? DEFAULT_ALERT_SETTINGS,
    repo,
    announcer,
    channels: deps.notifiers.map((n) => n.channel),
    messageContext: () => ({ timezone, now: now() }),
  };
}
