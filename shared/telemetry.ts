/**
 * Application Insights, only when APPLICATIONINSIGHTS_CONNECTION_STRING is set.
 *
 * The SDK (applicationinsights 3.x, the OpenTelemetry distro) costs about 0.4 s of CPU to load
 * even as one bundled file, more than a whole quiet check. So nothing loads it while a check
 * runs: events and metrics are queued, and the SDK is imported after the check's work (a
 * moment after the first item, so the worker has answered the host first), then they are
 * replayed and sent. flush() loads and sends at once, for short-lived processes (the CLI).
 * The trade-off: an instance reclaimed within that moment loses the check's telemetry; the
 * host's own logs and invocation records still reach Application Insights.
 */
import type { TelemetryClient } from 'applicationinsights';
import { DEFAULTS } from './defaults';
import { onFirstUse } from './lazy';
import type { SecretScrubber } from './secrets';

export interface Telemetry {
  event(name: TelemetryEvent, properties?: Record<string, string>): void;
  metric(name: TelemetryMetric, value: number): void;
  flush(): Promise<void>;
}

export type TelemetryEvent = 'BackupAnnounced' | 'DeliveryFailed' | 'CheckFailed' | 'AlertRaised';
export type TelemetryMetric = 'CheckDurationMs' | 'ZohoApiCalls' | 'ZohoTokenRefreshes';

export const noTelemetry: Telemetry = { event() {}, metric() {}, flush: async () => {} };

interface TelemetrySettings {
  connectionString?: string;
  /** With Application Insights local auth disabled: the managed identity that may publish. */
  identityClientId?: string;
}

interface TelemetryOptions {
  /** Builds the client; by default imports the SDK and starts it with these settings. */
  connect?: (settings: TelemetrySettings) => Promise<TelemetryClient>;
  /** Runs the deferred load; by default a timer that does not hold a process open. */
  defer?: (load: () => void) => void;
}

type Send = (client: TelemetryClient) => void;

export function createTelemetry(settings: TelemetrySettings, scrubber: SecretScrubber, options: TelemetryOptions = {}): Telemetry {
  if (!settings.connectionString) return noTelemetry;
  const connect = options.connect ?? connectSdk;
  const defer = options.defer ?? ((load) => setTimeout(load, DEFAULTS.telemetryLoadDelayMs).unref());
  const queued: Send[] = [];
  let loaded: TelemetryClient | undefined;
  let loading: Promise<TelemetryClient> | undefined;
  const connected = (): Promise<TelemetryClient> => {
    loading ??= connect(settings).then(
      (client) => {
        loaded = client;
        for (const send of queued.splice(0)) send(client);
        return client;
      },
      (error: unknown) => {
        // The items waiting are lost, not kept for ever on a warm instance; the next item tries again.
        queued.length = 0;
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  const track = (send: Send) => {
    if (loaded) return send(loaded);
    queued.push(send);
    // One deferred load, for the first item; the ones after it wait in the queue with it.
    if (queued.length === 1 && !loading) defer(() => void connected().catch(() => undefined));
  };
  const clean = (properties?: Record<string, string>) =>
    properties && Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, scrubber.scrub(v)]));
  return {
    event: (name, properties) => track((c) => c.trackEvent({ name, properties: clean(properties) })),
    metric: (name, value) => track((c) => c.trackMetric({ name, value })),
    flush: async () => {
      if (!loading && queued.length === 0) return;
      await (await connected()).flush();
    },
  };
}

const telemetrySdk = onFirstUse(() => import('applicationinsights'));

/** The SDK, set up once per process: one file of its own in the deployed package (infra/bundle.mjs). */
async function connectSdk(settings: TelemetrySettings): Promise<TelemetryClient> {
  const appInsights = (await telemetrySdk()).default;
  if (!appInsights.defaultClient) {
    appInsights.setup(settings.connectionString).setAutoCollectConsole(false).setSendLiveMetrics(false);
    if (settings.identityClientId) {
      const { ManagedIdentityCredential } = await import('@azure/identity');
      // setup() has just created the client (the guard above narrowed it to never).
      (appInsights.defaultClient as TelemetryClient).config.aadTokenCredential = new ManagedIdentityCredential({
        clientId: settings.identityClientId,
      });
    }
    appInsights.start();
  }
  return appInsights.defaultClient;
}
