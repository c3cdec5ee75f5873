/** The Azurite started by globalSetup, and fresh tables in it so tests never share state. */
import { randomBytes } from 'node:crypto';
import type { StateStore } from '../../shared/state/store';
import { TableStateStore } from '../../shared/state/tableStore';

export function azuriteConnectionString(): string {
  const connectionString = process.env.AZURITE_CONNECTION_STRING;
  if (!connectionString) throw new Error('AZURITE_CONNECTION_STRING is not set: run the tests through jest (globalSetup starts Azurite)');
  return connectionString;
}

export function freshTableStore(): TableStateStore {
  return TableStateStore.fromConnectionString(azuriteConnectionString(), `t${randomBytes(6).toString('hex')}`);
}

/** A fresh table store that counts the reads and writes of watch records made through it. */
export function countingTableStore(): { store: StateStore; counts: { reads: number; writes: number } } {
  const table = freshTableStore();
  const counts = { reads: 0, writes: 0 };
  const store: StateStore = {
    orgs: (kind) => table.orgs(kind),
    read: (org, kind) => {
      if (kind === 'watch') counts.reads += 1;
      return table.read(org, kind);
    },
    write: (org, kind, value, etag) => {
      if (kind === 'watch') counts.writes += 1;
      return table.write(org, kind, value, etag);
    },
  };
  return { store, counts };
}
