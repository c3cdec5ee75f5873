/**
 * Application Insights, only when APPLICATIONINSIGHTS_CONNECTION_STRING is set. The SDK is
 * loaded on demand: requiring it costs cold-start time the function pays on every start.
 */
import { scrub } from './log';

export interface Telemetry {
  event(name: TelemetryEvent, properties?: Record<string, string>): void;
  metric(name: TelemetryMetric, value: number): void;
  flush(): Promise<void>;
}

export type TelemetryEvent = 'BackupAnnounced' | 'DeliveryFailed' | 'CheckFailed';
export type TelemetryMetric = 'CheckDurationMs' | 'ZohoApiCalls' | 'ZohoTokenRefreshes';

export const noTelemetry: Telemetry = { event() {}, metric() {}, flush: async () => {} };

export function createTelemetry(connectionString: string | undefined, secrets: readonly string[]): Telemetry {
  if (!connectionString) return noTelemetry;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const appInsights = require('applicationinsights') as typeof import('applicationinsights');
  if (!appInsights.defaultClient) {
    appInsights.setup(connectionString).setAutoCollectConsole(false).setSendLiveMetrics(false).start();
  }
  const client = appInsights.defaultClient;
  const clean = (properties?: Record<string, string>) =>
    properties && Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, scrub(v, secrets)]));
  return {
    event: (name, properties) => client.trackEvent({ name, properties: clean(properties) }),
    metric: (name, value) => client.trackMetric({ name, value }),
    flush: async () => {
      await client.flush();
    },
  };
}
