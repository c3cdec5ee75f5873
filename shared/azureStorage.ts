/**
 * Clients for the app's storage account (AzureWebJobsStorage), from a connection string or
 * with the managed identity. The identity and Queue SDKs load on first use (shared/lazy.ts):
 * a check on a connection string needs neither, and queues serve only the archive and the
 * org fan-out. The Blob client is the archive worker's own (archive/container.ts).
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

// The ES module build's types: the SDK is loaded with import() (shared/lazy.ts).
type QueueClient = import('@azure/storage-queue', { with: { 'resolution-mode': 'import' }}).QueueClient;

import type { AzureStorageSettings } from './config';
import { onFirstUse } from './lazy';

const identitySdk = onFirstUse(() => import('@azure/identity'));
const queueSdk = onFirstUse(() => import('@azure/storage-queue'));

/** Azurite (or any loopback endpoint) speaks plain http; the SDKs want to be told that is fine. */
export function isLoopbackConnectionString(connectionString: string): boolean {
  return /UseDevelopmentStorage=true/i.test(connectionString) || /Endpoint=http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(connectionString);
}

/** The managed identity (or, without a client id, the default chain), its SDK loaded when a first token is asked for. */
export function identityCredential(clientId: string | undefined): TokenCredential {
  const credential = onFirstUse(async () => {
    const identity = await identitySdk();
    return clientId ? new identity.ManagedIdentityCredential({ clientId }) : new identity.DefaultAzureCredential();
  });
  return {
    getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> =>
      (await credential()).getToken(scopes, options),
  };
}

export async function queueClient(settings: AzureStorageSettings, queue: string): Promise<QueueClient> {
  const queues = await queueSdk();
  if (settings.kind === 'connection-string') {
    return queues.QueueServiceClient.fromConnectionString(settings.connectionString).getQueueClient(queue);
  }
  return new queues.QueueServiceClient(settings.queueServiceUri, identityCredential(settings.clientId)).getQueueClient(queue);
}
