/**
 * The command line keeps its state in ./.zoho-backup-state.json unless a setting says otherwise.
 * A local.settings.json copied from the sample brings AzureWebJobsStorage, which moves the state
 * to Azurite: an empty history there would re-announce every backup and alert the file had.
 * A check refuses that, and says how to choose.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../shared/config';
import { FileStateStore } from '../shared/state/fileStore';
import type { StateStore } from '../shared/state/store';
import { CLI_DEFAULT_STATE_FILE } from './settings';

export async function refuseMovedState(store: StateStore, orgKey: string, cwd: string): Promise<void> {
  const file = join(cwd, CLI_DEFAULT_STATE_FILE);
  if (store instanceof FileStateStore || !existsSync(file)) return;
  const before = await new FileStateStore(file).read(orgKey, 'watch').catch(() => undefined);
  if (!before || (await store.read(orgKey, 'watch'))) return;
  throw new ConfigError([
    `the history of this org is in ${file}, but these settings keep the state in ${store.location ?? 'another store'} (AzureWebJobsStorage, perhaps from local.settings.json), which has none: ` +
      `a check there would announce every backup and alert again. Set STATE_FILE=${CLI_DEFAULT_STATE_FILE} to go on with the file, or remove the file to start the new store afresh`,
  ]);
}
