/**
 * Application Insights, only when APPLICATIONINSIGHTS_CONNECTION_STRING is set. The SDK is
 * loaded on demand: requiring it costs cold-start time the function pays on every start.
 */
import type { SecretScrubber } from './secrets';

export interface Telemetry {
  event(name: TelemetryEvent, properties?: Record<string, string>): void;
  metric(name: TelemetryMetric, value: number): void;
  flush(): Promise<void>;
}

export type TelemetryEvent = 'BackupAnnounced' | 'DeliveryFailed' | 'CheckFailed' | 'AlertRaised';
export type TelemetryMetric = 'CheckDurationMs' | 'ZohoApiCalls' | 'ZohoTokenRefreshes';

export const noTelemetry: Telemetry = { event() {}, metric() {}, flush: async () => {} };

export interface TelemetrySettings {
  connectionString?: string;
  /** With Application Insights local auth disabled: the managed identity that may publish. */
  identityClientId?: string;
}

export function createTelemetry(settings: TelemetrySettings, scrubber: SecretScrubber): Telemetry {
  if (!settings.connectionString) return noTelemetry;
  const appInsights = require('applicationinsights') as typeof import('applicationinsights');
  if (!appInsights.defaultClient) {
    appInsights.setup(settings.connectionString).setAutoCollectConsole(false).setSendLiveMetrics(false);
    if (settings.identityClientId) {
      const { ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
      // setup() has just created the client (the guard above narrowed it to never).
      (appInsights.defaultClient as import('applicationinsights').TelemetryClient).config.aadTokenCredential =
        new ManagedIdentityCredential({ clientId: settings.identityClientId });
    }
    appInsights.start();
  }
  const client = appInsights.defaultClient;
  const clean = (properties?: Record<string, string>) =>
    properties && Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, scrubber.scrub(v)]));
  return {
    event: (name, properties) => client.trackEvent({ name, properties: clean(properties) }),
    metric: (name, value) => client.trackMetric({ name, value }),
    flush: async () => {
      await client.flush();
    },
  };
}
