/**
 * The composition root: builds the watch's collaborators from a validated Config. The
 * functions build one per worker (warm invocations reuse the clients and the token); the
 * CLI builds one per process. Tests build their own from sandbox settings.
 */

import type { ArchiveStorage } from './archive/container';
import { ARCHIVE_QUEUE, isTrustedDownloadUrl, trustedDownloadHostsLabel } from './archive/plan';
import type { ArchiveQueue } from './archive/queue';
import type { ArchiveDeps } from './archive/worker';
import { queueClient } from './azureStorage';
import { type Config, legacyOrgKeyOf, loadConfig, secretsOf } from './config';
import { DEFAULTS } from './defaults';
import { createRetryingHttp, type RetryingHttpOptions } from './http';
import { consoleLogger, type Logger, logTo, redactingLogger, routedLogger } from './log';
import type { Notifier } from './notify/delivery';
import { SlackNotifier } from './notify/slackClient';
import { TeamsNotifier } from './notify/teams';
import { orgIdentityKey, type WatchedOrg } from './orgName';
import { JsonQueue } from './queueMessages';
import { SecretScrubber } from './secrets';
import { createStateStore } from './state/createStore';
import type { StateStore } from './state/store';
import { StoredTokenCache } from './state/tokenCache';
import { createTelemetry, type Telemetry } from './telemetry';
import type { WatchDeps } from './watch';
import { runCheck } from './watch/runCheck';
import type { CheckReport } from './watch/types';
import { ZohoBackupClient } from './zoho/client';
import { type ApiDomainChoice, chooseApiDomain } from './zoho/datacentres';
import { credentialFingerprint, ZohoTokenProvider } from './zoho/tokens';

export interface Runtime {
  config: Config;
  store: StateStore;
  org: WatchedOrg;
  telemetry: Telemetry;
  /** Watch collaborators, for runCheck (which adds the log). */
  watch: Omit<WatchDeps, 'log'>;
  /** The archive worker's collaborators, with ARCHIVE_ENABLED=true (withLog adds the log). */
  archive?: Omit<ArchiveDeps, 'log'>;
  /** The log every collaborator writes to: scrubbed of this config's secrets, sent to the invocation's own while one runs. */
  log: Logger;
  /** This org's check, every line it logs sent to `host`, scrubbed. */
  runCheck(host: Logger, options?: { dryRun?: boolean }): Promise<CheckReport>;
  /** Other work of one invocation (the archive's), with the same scrubbed log, sent to `host`. */
  withLog<T>(host: Logger, work: (log: Logger) => Promise<T>): Promise<T>;
  /** The Zoho API host in use and why (for status), without minting a token. */
  zohoApi(): Promise<ApiDomainChoice>;
}

export interface RuntimeOptions {
  http?: RetryingHttpOptions;
  log?: Logger;
  /** Instead of the store the settings name (tests give each case its own table). */
  store?: StateStore;
  /** A dry run: a cached token is used, a new one is not saved (a dry run writes nothing). */
  readOnly?: boolean;
}

const readOnlyCache = (cache: StoredTokenCache) => ({ load: () => cache.load(), save: async () => {} });

export function createRuntime(config: Config, options: RuntimeOptions = {}): Runtime {
  // One scrubber for the process: the configured secrets, and every access token it mints.
  const scrubber = new SecretScrubber(secretsOf(config));
  // Scrubbed once, here: whatever host log an invocation gives goes behind it.
  const log = redactingLogger(routedLogger(options.log ?? consoleLogger), scrubber);
  const store = options.store ?? createStateStore(config.state);
  const org = watchedOrgOf(config);
  const http = createRetryingHttp({
    ...options.http,
    onRetry: (retry) => log.warn(`retrying ${retry.url} (attempt ${retry.attempt}${retry.status ? `, HTTP ${retry.status}` : ''})`),
  });
  const tokens = new ZohoTokenProvider(config.zoho, {
    http,
    cache: options.readOnly ? readOnlyCache(new StoredTokenCache(store, org.key)) : new StoredTokenCache(store, org.key),
    scrubber,
    onCacheError: () => log.warn('could not read or save the cached Zoho token; a new one is minted'),
  });
  const resolveApiDomain = () => chooseApiDomain(config.zoho, tokens.apiDomain).domain;
  const zoho = new ZohoBackupClient({
    apiDomain: config.zoho.apiDomain,
    resolveApiDomain,
    apiVersion: config.zoho.apiVersion,
    tokens,
    http,
    scrubber,
  });
  const telemetry = createTelemetry(config.telemetry, scrubber);
  const notifiers = createNotifiers(config.channels);
  const archive = archiveRuntime(config, { store, org, tokens, notifiers });
  const watch: Runtime['watch'] = {
    zoho,
    tokens,
    store,
    notifiers,
    org,
    timezone: config.timezone,
    alerts: config.alerts,
    deadlineMs: config.checkDeadlineMs,
    archive: archive && { queue: archive.queue, container: archive.location },
    telemetry,
  };
  const withLog: Runtime['withLog'] = (host, work) => logTo(host, () => work(log));
  return {
    config,
    store,
    org,
    telemetry,
    log,
    zohoApi: async () => chooseApiDomain(config.zoho, await tokens.cachedApiDomain()),
    watch,
    archive: archive?.worker,
    withLog,
    runCheck: (host, checkOptions) => withLog(host, () => runCheck({ ...watch, log }, checkOptions)),
  };
}

/**
 * The org's key is its name (shared/orgName.ts); release 0.1 kept its state under its data
 * centre and client ID, which the first read adopts when this org's token was cached there.
 */
function watchedOrgOf(config: Config): WatchedOrg {
  const legacy = { key: legacyOrgKeyOf(config.zoho.dc, config.zoho.clientId), credentialFingerprint: credentialFingerprint(config.zoho) };
  return { key: orgIdentityKey(config.zoho.orgName), name: config.zoho.orgName, legacy };
}

/**
 * The archive's queue (for the watch) and the worker's collaborators: Blob storage with
 * ARCHIVE_ENABLED, or a folder with ARCHIVE_DIR, where the command line archives each part
 * itself after the check (archiveInFolder) and the queue only lets the watch record the parts.
 */
function archiveRuntime(
  config: Config,
  shared: { store: StateStore; org: WatchedOrg; tokens: ZohoTokenProvider; notifiers: Notifier[] },
): { queue: ArchiveQueue; worker: Omit<ArchiveDeps, 'log'>; location: string } | undefined {
  const { downloadOrigins, dir, enabled, container } = config.archive;
  const blob = enabled && config.azureStorage ? { settings: config.azureStorage, container } : undefined;
  const storage: ArchiveStorage | undefined = dir ? { folder: dir } : blob;
  if (!storage) return undefined;
  const worker = {
    ...shared,
    http: createRetryingHttp(DEFAULTS.downloadHttp),
    storage,
    isTrustedUrl: (url: string) => isTrustedDownloadUrl(url, config.zoho.dc, downloadOrigins),
    trustedHosts: trustedDownloadHostsLabel(config.zoho.dc, downloadOrigins),
    timezone: config.timezone,
    alerts: config.alerts,
    retention: config.archive.retention,
  };
  if (dir) return { queue: { enqueue: async () => {} }, worker, location: dir };
  // The queue client is built on first use, and the Blob client by the archive worker itself:
  // a timer instance never loads the Blob SDK, and an archive instance never loads the Queue
  // SDK (each is megabytes of memory and parse time).
  if (!blob) return undefined;
  return { queue: new JsonQueue(() => queueClient(blob.settings, ARCHIVE_QUEUE)), worker, location: container };
}

export function createNotifiers(channels: Config['channels']): Notifier[] {
  const { slackWebhookUrl, teamsWebhookUrl } = channels;
  return [
    ...(slackWebhookUrl ? [new SlackNotifier(slackWebhookUrl)] : []),
    ...(teamsWebhookUrl ? [new TeamsNotifier(teamsWebhookUrl)] : []),
  ];
}

let workerRuntime: Runtime | undefined;

/** The Functions worker's runtime, from the app settings, built on first use and then reused. */
export function workerRuntimeFromEnv(): Runtime {
  workerRuntime ??= createRuntime(loadConfig());
  return workerRuntime;
}
