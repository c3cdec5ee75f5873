/** StateStore over Azure Table storage (AzureWebJobsStorage), one entity per org and kind. */

import type { TokenCredential } from '@azure/core-auth';
import { odata, RestError, TableClient } from '@azure/data-tables';
import { isLoopbackConnectionString } from '../azureStorage';
import type { AzureStorageSettings } from '../config';
import { StateConflictError, type StateKind, type StateStore, StateStoreError, type StoredRecord } from './store';

export const STATE_TABLE = 'zohobackupstate';

interface StateEntity {
  partitionKey: string;
  rowKey: string;
  /** The JSON, or its first piece; json1, json2, ... hold the rest. */
  json: string;
  [piece: `json${number}`]: string;
}

/**
 * A string property holds at most 64 KiB (32K UTF-16 characters), an entity 1 MiB: a state
 * with many links, alerts and modules is split over several properties of its one entity, so
 * that it is still written, and read, in one conditional request.
 */
const PIECE_CHARS = 30_000;
const MAX_PIECES = 15;

function piecesOf(json: string): Record<string, string> {
  const pieces: Record<string, string> = {};
  for (let i = 0; i * PIECE_CHARS < json.length || i === 0; i++)
    pieces[i === 0 ? 'json' : `json${i}`] = json.slice(i * PIECE_CHARS, (i + 1) * PIECE_CHARS);
  return pieces;
}

function joined(entity: StateEntity): string {
  let json = entity.json;
  for (let i = 1; typeof entity[`json${i}`] === 'string'; i++) json += entity[`json${i}`];
  return json;
}

/** A client for one table of the app's storage account: by connection string, or with an identity. */
export function tableClientFor(storage: AzureStorageSettings, tableName: string, credential: () => TokenCredential): TableClient {
  if (storage.kind === 'connection-string') {
    // Azurite serves plain http on loopback; the SDK refuses that unless told it is fine.
    const allowInsecureConnection = isLoopbackConnectionString(storage.connectionString);
    return TableClient.fromConnectionString(storage.connectionString, tableName, { allowInsecureConnection });
  }
  return new TableClient(storage.tableServiceUri, tableName, credential());
}

/** Table storage's error code: the Tables SDK leaves RestError.code unset and it is in a header. */
function tableErrorCode(error: RestError): string | undefined {
  return (error.code ?? error.response?.headers.get('x-ms-error-code') ?? undefined)?.slice(0, 100);
}

/** What Table storage answers when the table itself is missing, as opposed to one entity. */
export function isTableNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404 && tableErrorCode(error) === 'TableNotFound';
}

/**
 * Runs a write, and if the table does not exist yet, creates it and runs the write again.
 * Reads of a missing table find nothing; creating the table only when a write needs it,
 * rather than before the first call, saves every cold start one storage round trip.
 */
export async function writeCreatingTable<T>(table: TableClient, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isTableNotFound(error)) throw error;
  }
  await table.createTable(); // the SDK takes "already exists" (another writer won) as done
  return write();
}

export class TableStateStore implements StateStore {
  readonly location: string;

  constructor(private readonly table: TableClient) {
    this.location = `the Table storage table ${table.tableName}`;
  }

  static fromConnectionString(connectionString: string, tableName = STATE_TABLE): TableStateStore {
    // Azurite serves plain http on loopback; the SDK refuses that unless told it is fine.
    return new TableStateStore(
      TableClient.fromConnectionString(connectionString, tableName, {
        allowInsecureConnection: isLoopbackConnectionString(connectionString),
      }),
    );
  }

  static withIdentity(tableServiceUri: string, credential: TokenCredential, tableName = STATE_TABLE): TableStateStore {
    return new TableStateStore(new TableClient(tableServiceUri, tableName, credential));
  }

  async orgs(kind: StateKind): Promise<string[]> {
    const orgs: string[] = [];
    try {
      const entities = this.table.listEntities<StateEntity>({
        queryOptions: { filter: odata`RowKey eq ${kind}`, select: ['partitionKey'] },
      });
      for await (const entity of entities) orgs.push(entity.partitionKey);
    } catch (error) {
      if (isTableNotFound(error)) return [];
      throw storeError(error);
    }
    return orgs;
  }

  async read<T>(org: string, kind: StateKind): Promise<StoredRecord<T> | undefined> {
    try {
      const entity = await this.table.getEntity<StateEntity>(org, kind);
      return { value: JSON.parse(joined(entity)) as T, etag: entity.etag };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw storeError(error);
    }
  }

  async write<T>(org: string, kind: StateKind, value: T, etag: string | undefined): Promise<string> {
    const json = JSON.stringify(value);
    if (json.length > PIECE_CHARS * MAX_PIECES)
      throw new StateStoreError(
        `the ${kind} state of ${org} is ${Math.round(json.length / 1024)} K characters, more than a Table storage entity holds`,
        'Report this: a backup with this many links or modules needs a larger state store.',
      );
    const entity = { partitionKey: org, rowKey: kind, ...piecesOf(json) } as StateEntity;
    try {
      const result =
        etag === undefined
          ? await writeCreatingTable(this.table, () => this.table.createEntity(entity))
          : await this.table.updateEntity(entity, 'Replace', { etag });
      if (!result.etag) throw new StateStoreError('Table storage answered without an ETag', 'Check the storage account.');
      return result.etag;
    } catch (error) {
      // 404 on an update: the record was removed since it was read, which is a conflict too.
      if (error instanceof RestError && [409, 412, 404].includes(error.statusCode ?? 0)) throw new StateConflictError(org, kind);
      throw storeError(error);
    }
  }
}

function storeError(error: unknown): StateStoreError {
  if (error instanceof StateStoreError) return error;
  const status = error instanceof RestError ? error.statusCode : undefined;
  const code = error instanceof RestError ? tableErrorCode(error) : (error as { code?: string })?.code;
  const hint =
    status === 403
      ? 'The app identity needs the "Storage Table Data Contributor" role on the storage account.'
      : 'Check AzureWebJobsStorage (or its __accountName/__credential settings) and that the storage account is reachable; locally, start Azurite or set STATE_FILE.';
  return new StateStoreError(`Table storage ${status ? `HTTP ${status} ` : ''}${code ?? 'error'}`, hint, error);
}
