/**
 * The archive's Blob container. Only the archive worker imports this, and the worker is a
 * chunk of its own in the bundle: there the Blob SDK shares the Azure core with the Tables
 * SDK, where as a separate file it brought its own copy (megabytes of memory per instance).
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { identityCredential } from '../azureStorage';
import type { AzureStorageSettings } from '../config';

/** Where a runtime archives: the app's storage account and the container's name, or a folder (ARCHIVE_DIR). */
export type ArchiveStorage = BlobArchiveStorage | { folder: string };

export interface BlobArchiveStorage {
  settings: AzureStorageSettings;
  container: string;
  /** A client to use instead of one built from the settings (tests give one that refuses deletes and overwrites). */
  client?: ContainerClient;
}

const clients = new WeakMap<BlobArchiveStorage, ContainerClient>();

/** The container client of a runtime's archive storage, built on first use and then kept. */
export function archiveContainer(storage: ArchiveStorage): ContainerClient {
  if ('folder' in storage) throw new Error(`the archive is the folder ${storage.folder}, not a Blob container`);
  let client = storage.client ?? clients.get(storage);
  if (!client) {
    client = containerClient(storage.settings, storage.container);
    clients.set(storage, client);
  }
  return client;
}

export function containerClient(settings: AzureStorageSettings, container: string): ContainerClient {
  if (settings.kind === 'connection-string') {
    return BlobServiceClient.fromConnectionString(settings.connectionString).getContainerClient(container);
  }
  return new BlobServiceClient(settings.blobServiceUri, identityCredential(settings.clientId)).getContainerClient(container);
}
