/**
 * The composition root: builds the watch's collaborators from a validated Config. The
 * functions build one per worker (warm invocations reuse the clients and the token); the
 * CLI builds one per process. Tests build their own from sandbox settings.
 */
import { type Config, loadConfig, secretsOf, type StateSettings } from './config';
import { createRetryingHttp, type RetryingHttpOptions } from './http';
import { consoleLogger, type Logger, redactingLogger } from './log';
import type { Notifier } from './notify/delivery';
import { SlackNotifier } from './notify/slack';
import { TeamsNotifier } from './notify/teams';
import { FileStateStore } from './state/fileStore';
import { orgKey, type StateStore } from './state/store';
import { TableStateStore } from './state/tableStore';
import { StoredTokenCache } from './state/tokenCache';
import { createTelemetry, type Telemetry } from './telemetry';
import type { WatchDeps } from './watch';
import { ZohoBackupClient } from './zoho/client';
import { ZohoTokenProvider } from './zoho/tokens';

export interface Runtime {
  config: Config;
  store: StateStore;
  org: { key: string; name: string };
  telemetry: Telemetry;
  /** Watch collaborators; `log` is per invocation, so it is added by whoever runs a check. */
  watch: Omit<WatchDeps, 'log'>;
  /** Wraps a host's logger so that no secret of this config can reach it. */
  logger(base?: Logger): Logger;
}

export interface RuntimeOptions {
  http?: RetryingHttpOptions;
  log?: Logger;
  /** Instead of the store the settings name (tests give each case its own table). */
  store?: StateStore;
}

export function createRuntime(config: Config, options: RuntimeOptions = {}): Runtime {
  const secrets = secretsOf(config);
  const logger = (base: Logger = consoleLogger) => redactingLogger(base, secrets);
  const log = logger(options.log);
  const store = options.store ?? createStateStore(config.state);
  // Keyed by data centre and client: stable for one Zoho org's credentials, ready for more orgs.
  const org = { key: orgKey(`${config.zoho.dc}-${config.zoho.clientId}`), name: config.zoho.orgName };
  const http = createRetryingHttp({
    ...options.http,
    onRetry: (retry) => log.warn(`retrying ${retry.url} (attempt ${retry.attempt}${retry.status ? `, HTTP ${retry.status}` : ''})`),
  });
  const tokens = new ZohoTokenProvider(config.zoho, {
    http,
    cache: new StoredTokenCache(store, org.key),
    onCacheError: () => log.warn('could not read or save the cached Zoho token; a new one is minted'),
  });
  const zoho = new ZohoBackupClient({ apiDomain: config.zoho.apiDomain, apiVersion: config.zoho.apiVersion, tokens, http });
  const telemetry = createTelemetry(config.telemetry, secrets);
  return {
    config,
    store,
    org,
    telemetry,
    logger,
    watch: { zoho, tokens, store, notifiers: createNotifiers(config), org, timezone: config.timezone, alerts: config.alerts, telemetry },
  };
}

export function createNotifiers(config: Config): Notifier[] {
  const { slackWebhookUrl, teamsWebhookUrl } = config.channels;
  return [
    ...(slackWebhookUrl ? [new SlackNotifier(slackWebhookUrl)] : []),
    ...(teamsWebhookUrl ? [new TeamsNotifier(teamsWebhookUrl)] : []),
  ];
}

export function createStateStore(settings: StateSettings): StateStore {
  switch (settings.kind) {
    case 'file':
      return new FileStateStore(settings.path);
    case 'table-connection-string':
      return TableStateStore.fromConnectionString(settings.connectionString);
    case 'table-identity': {
      // Loaded only here: @azure/identity is large and most local runs never need it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const identity = require('@azure/identity') as typeof import('@azure/identity');
      const credential = settings.clientId
        ? new identity.ManagedIdentityCredential({ clientId: settings.clientId })
        : new identity.DefaultAzureCredential();
      return TableStateStore.withIdentity(settings.tableServiceUri, credential);
    }
  }
}

let workerRuntime: Runtime | undefined;

/** The Functions worker's runtime, from the app settings, built on first use and then reused. */
export function workerRuntimeFromEnv(): Runtime {
  workerRuntime ??= createRuntime(loadConfig());
  return workerRuntime;
}
