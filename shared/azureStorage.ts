/**
 * Clients for the app's storage account (AzureWebJobsStorage), from a connection string or
 * with the managed identity. The SDKs are required on first use: each costs start-up time,
 * and queues are needed only by the archive and the org fan-out. The Blob client is the
 * archive worker's own (archive/container.ts).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { QueueClient } from '@azure/storage-queue';
import type { AzureStorageSettings } from './config';

/** Azurite (or any loopback endpoint) speaks plain http; the SDKs want to be told that is fine. */
export function isLoopbackConnectionString(connectionString: string): boolean {
  return /UseDevelopmentStorage=true/i.test(connectionString) || /Endpoint=http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(connectionString);
}

export function identityCredential(clientId: string | undefined): TokenCredential {
  const identity = require('@azure/identity') as typeof import('@azure/identity');
  return clientId ? new identity.ManagedIdentityCredential({ clientId }) : new identity.DefaultAzureCredential();
}

export function queueClient(settings: AzureStorageSettings, queue: string): QueueClient {
  const queues = require('@azure/storage-queue') as typeof import('@azure/storage-queue');
  if (settings.kind === 'connection-string') {
    return queues.QueueServiceClient.fromConnectionString(settings.connectionString).getQueueClient(queue);
  }
  return new queues.QueueServiceClient(settings.queueServiceUri, identityCredential(settings.clientId)).getQueueClient(queue);
}
