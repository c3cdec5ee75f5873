/** The state store the settings name: a file (STATE_FILE) or a Table in the app's storage account. */
import { identityCredential } from '../azureStorage';
import type { StateSettings } from '../config';
import { FileStateStore } from './fileStore';
import type { StateStore } from './store';
import { TableStateStore } from './tableStore';

export function createStateStore(settings: StateSettings): StateStore {
  if (settings.kind === 'file') return new FileStateStore(settings.path);
  const storage = settings.storage;
  return storage.kind === 'connection-string'
    ? TableStateStore.fromConnectionString(storage.connectionString)
    : TableStateStore.withIdentity(storage.tableServiceUri, identityCredential(storage.clientId));
}
