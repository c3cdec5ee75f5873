/**
 * A whole world for the watch, over real sockets: the Zoho sandbox, a Slack and a Teams
 * receiver, and a state store (Azurite Table by default). Runs go through the same runtime
 * the functions and the CLI build from settings.
 */

import { randomBytes } from 'node:crypto';
import { WebhookReceiver } from '../../sandbox/webhookReceiver';
import { ZohoSandbox, type ZohoSandboxOptions } from '../../sandbox/zohoSandbox';
import type { ArchivePartMessage } from '../../shared/archive/plan';
import { parseArchiveMessage } from '../../shared/archive/queue';
import { queueClient } from '../../shared/azureStorage';
import { loadConfig } from '../../shared/config';
import type { Logger } from '../../shared/log';
import { JsonQueue } from '../../shared/queueMessages';
import { createRuntime, type Runtime } from '../../shared/runtime';
import type { StateStore } from '../../shared/state/store';
import type { WatchState } from '../../shared/state/watchState';
import { runCheck } from '../../shared/watch';
import { azuriteConnectionString, freshTableStore } from './azurite';
import { FAST_RETRIES } from './zoho';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface World {
  sandbox: ZohoSandbox;
  receiver: WebhookReceiver;
  store: StateStore;
  settings: Record<string, string>;
  logLines: string[];
  /** A fresh runtime, as a new process or function instance would build; its log writes to `log` (the world's lines by default). */
  runtime(log?: Logger): Runtime;
  check(options?: { dryRun?: boolean; runtime?: Runtime; now?: Date }): ReturnType<typeof runCheck>;
  watchState(): Promise<WatchState | undefined>;
  /** Archive worlds: the queued part messages, removed from the queue. */
  takeArchiveMessages(): Promise<ArchivePartMessage[]>;
  close(): Promise<void>;
}

export async function startWorld(
  options: {
    channels?: Array<'slack' | 'teams'>;
    sandbox?: ZohoSandboxOptions;
    store?: StateStore;
    settings?: Record<string, string>;
    archive?: boolean;
  } = {},
): Promise<World> {
  const sandbox = await ZohoSandbox.start(options.sandbox);
  const receiver = await WebhookReceiver.start();
  const store = options.store ?? freshTableStore();
  const channels = options.channels ?? ['slack', 'teams'];
  const uniqueSuffix = randomBytes(5).toString('hex');
  const settings: Record<string, string> = {
    ...sandbox.settings,
    ZOHO_ORG_NAME: 'Zylker Inc',
    STATE_FILE: '/unused/because/the/store/is/given.json',
    ...(channels.includes('slack') ? { SLACK_WEBHOOK_URL: receiver.slackUrl } : {}),
    ...(channels.includes('teams') ? { TEAMS_WEBHOOK_URL: receiver.teamsUrl } : {}),
    ...(options.archive
      ? {
          ARCHIVE_ENABLED: 'true',
          AzureWebJobsStorage: azuriteConnectionString(),
          ZOHO_DOWNLOAD_HOSTS: sandbox.url,
          ARCHIVE_CONTAINER: `archive-${uniqueSuffix}`,
        }
      : {}),
    ...options.settings,
  };
  const logLines: string[] = [];
  const capture: Logger = {
    info: (m, p) => logLines.push(`INFO ${m} ${JSON.stringify(p ?? {})}`),
    warn: (m, p) => logLines.push(`WARN ${m} ${JSON.stringify(p ?? {})}`),
    error: (m, p) => logLines.push(`ERROR ${m} ${JSON.stringify(p ?? {})}`),
  };
  // Each world its own archive queue: jest runs test files side by side on one Azurite.
  const archiveQueue = options.archive
    ? await queueClient({ kind: 'connection-string', connectionString: azuriteConnectionString() }, `archive-${uniqueSuffix}`)
    : undefined;
  const runtime = (log: Logger = capture) => {
    const rt = createRuntime(loadConfig(settings), { http: FAST_RETRIES, log, store });
    if (rt.watch.archive && archiveQueue) rt.watch.archive.queue = new JsonQueue(() => archiveQueue);
    return rt;
  };
  const shared = runtime();
  return {
    sandbox,
    receiver,
    store,
    settings,
    logLines,
    runtime,
    check: (opts = {}) => {
      const rt = opts.runtime ?? shared;
      const now = opts.now;
      return rt.withLog(capture, (log) =>
        runCheck({ ...rt.watch, log, ...(now ? { now: () => new Date(now) } : {}) }, { dryRun: opts.dryRun }),
      );
    },
    watchState: async () => (await store.read<WatchState>(shared.org.key, 'watch'))?.value,
    takeArchiveMessages: async () => {
      if (!archiveQueue) throw new Error('start the world with { archive: true }');
      const { receivedMessageItems } = await archiveQueue.receiveMessages({ numberOfMessages: 32 });
      for (const item of receivedMessageItems) await archiveQueue.deleteMessage(item.messageId, item.popReceipt);
      return receivedMessageItems.map((item) => parseArchiveMessage(Buffer.from(item.messageText, 'base64').toString('utf8')));
    },
    close: async () => {
      await Promise.all([sandbox.close(), receiver.close()]);
    },
  };
}

export function hoursAgo(hours: number): Date {
  return new Date(Date.now() - hours * HOUR);
}

/**
 * Yesterday at 12:00 UTC: a backup completed then has links expiring at 12:00 UTC six days
 * from today, "in 6 days" at any hour the test runs (a time an hour ago would be 6 or 7).
 */
export function yesterdayNoonUtc(): Date {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 1, 12));
}
