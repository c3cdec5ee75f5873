/**
 * The packages the two deploy tools build from a user's folder, each as its source says it does
 * (./deploy): `azd up` (restore, hooks, `npm run build`, then azure.yaml's `dist:` zipped) and the
 * README's `npm run build`, then `func azure functionapp publish` run from dist/app. The folder
 * is this repository as a user has it after following the README: their state file (which
 * caches a Zoho access token), .env, local.settings.json, azd's environment with its secrets,
 * Azurite's data. Each of those holds a marker, so that a test can require that none of them,
 * and none of their contents, reached either package. Each package is copied to a clean
 * temporary folder, so that whatever loads it there sees nothing of the development tree.
 */
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type AzdPackage, azdPackage } from './deploy/azdPackage';
import { coreToolsPublishFiles } from './deploy/coreToolsPublish';

export interface DeployedPackage {
  dir: string;
  /** Paths relative to `dir`, with forward slashes. */
  files: string[];
  bytes: number;
}

export interface DeployedPackages {
  azd: DeployedPackage & { remoteBuild: boolean; steps: string[] };
  coreTools: DeployedPackage & { root: string };
  /** The files a user's folder holds after following the README, with the marker each holds. */
  userFiles: Record<string, string>;
  remove: () => void;
}

/** Never part of a user's checkout: git's own folder, and what the build and install recreate. */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', 'dist-bench', 'coverage']);

/** What a user's folder holds besides the sources, once they have run `check`, `azd env set`, Azurite... */
const USER_FILES = [
  '.zoho-backup-state.json',
  '.zoho-backup-state.json.lock',
  '.env',
  'local.settings.json',
  '.azure/zohobackup/.env',
  '.azure/config.json',
  '.azurite/__azurite_db_table__.json',
  '__azurite_db_blob__.json',
  '.vscode/settings.json',
];

export function buildDeployedPackages(root: string): DeployedPackages {
  const user = mkdtempSync(join(tmpdir(), 'zbn-user-'));
  for (const entry of readdirSync(root)) {
    // Timestamps kept: azd compares package-lock.json with node_modules/.package-lock.json.
    if (!NOT_COPIED.has(entry)) cpSync(join(root, entry), join(user, entry), { recursive: true, preserveTimestamps: true });
  }
  const userFiles: Record<string, string> = {};
  for (const [i, file] of USER_FILES.entries()) {
    userFiles[file] = `user-secret-marker-${i}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(dirname(join(user, file)), { recursive: true });
    writeFileSync(join(user, file), JSON.stringify({ secret: userFiles[file] }));
  }
  // An install from the same lock file gives the same tree, so the user's folder borrows the
  // development tree's (npm ci wrote it after the lock file: azd finds it up to date).
  symlinkSync(join(root, 'node_modules'), join(user, 'node_modules'), 'dir');
  const remove = () => {
    // The borrowed link is unlinked, never deleted recursively, which would reach the development tree.
    unlinkSync(join(user, 'node_modules'));
    rmSync(user, { recursive: true, force: true });
  };
  try {
    const built: AzdPackage = azdPackage(user);
    const azd = { ...copyOut(built.root, built.files), remoteBuild: built.remoteBuild, steps: built.steps };
    // README: `npm run build` (the same build azd ran), then from dist/app: func azure functionapp publish.
    const published = coreToolsPublishFiles(join(user, 'dist/app'));
    const coreTools = { ...copyOut(published.root, published.files), root: relative(user, published.root) };
    return {
      azd,
      coreTools,
      userFiles,
      remove: () => {
        remove();
        for (const dir of [azd.dir, coreTools.dir]) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}

function copyOut(from: string, files: string[]): DeployedPackage {
  const dir = mkdtempSync(join(tmpdir(), 'zbn-package-'));
  let bytes = 0;
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(from, file), join(dir, file));
    bytes += statSync(join(dir, file)).size;
  }
  return { dir, files, bytes };
}

/** azd's package alone, for the benchmarks: the caller removes its `dir`. */
export function buildDeployedPackage(root: string): DeployedPackage {
  const { azd, coreTools, remove } = buildDeployedPackages(root);
  const kept = mkdtempSync(join(tmpdir(), 'zbn-package-'));
  cpSync(azd.dir, kept, { recursive: true });
  remove();
  rmSync(coreTools.dir, { recursive: true, force: true });
  return { dir: kept, files: azd.files, bytes: azd.bytes };
}
