/** The Azurite started by globalSetup, and fresh tables in it so tests never share state. */
import { randomBytes } from 'node:crypto';
import { TableStateStore } from '../../shared/state/tableStore';

export function azuriteConnectionString(): string {
  const connectionString = process.env.AZURITE_CONNECTION_STRING;
  if (!connectionString) throw new Error('AZURITE_CONNECTION_STRING is not set: run the tests through jest (globalSetup starts Azurite)');
  return connectionString;
}

export function freshTableStore(): TableStateStore {
  return TableStateStore.fromConnectionString(azuriteConnectionString(), `t${randomBytes(6).toString('hex')}`);
}
