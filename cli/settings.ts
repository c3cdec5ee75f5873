/** Where the command line finds its settings, besides the environment. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, SETTING_NAMES } from '../shared/config';
import { nearest } from './usage';

export const CLI_DEFAULT_STATE_FILE = '.zoho-backup-state.json';

/**
 * Settings for the command line: the environment wins over a `.env` file, which wins over
 * the `Values` of `local.settings.json` (the file `func start` reads), all from `dir`.
 * Without any state setting the CLI keeps its state in ./.zoho-backup-state.json.
 */
export function cliSettings(dir: string, env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  const merged = { ...localSettingsValues(join(dir, 'local.settings.json')), ...dotEnvValues(join(dir, '.env')), ...env };
  const hasState = ['STATE_FILE', 'AzureWebJobsStorage', 'AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__accountName'].some(
    (name) => merged[name]?.trim(),
  );
  return hasState ? merged : { ...merged, STATE_FILE: join(dir, CLI_DEFAULT_STATE_FILE) };
}

function localSettingsValues(path: string): Record<string, string | undefined> {
  if (!existsSync(path)) return {};
  try {
    const values = (JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, unknown> }).Values ?? {};
    return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    throw new ConfigError([`${path} is not valid JSON: fix it or remove it`]);
  }
}

function dotEnvValues(path: string): Record<string, string | undefined> {
  return existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
}

/** Settings that look like ours but are not (a typo is a silent default otherwise), with the nearest real name. */
export function unknownSettingWarnings(settings: Record<string, string | undefined>): string[] {
  const known = SETTING_NAMES as readonly string[];
  return Object.keys(settings)
    .filter((name) => /^(ZOHO|SLACK|TEAMS)_/.test(name) && !known.includes(name))
    .map((name) => {
      const guess = nearest(name, known);
      return `unknown setting ${name}${guess ? `: did you mean ${guess}?` : ''}`;
    });
}
