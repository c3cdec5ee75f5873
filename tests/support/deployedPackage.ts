/**
 * Builds the file set that `func azure functionapp publish` and `azd deploy` upload: the
 * README's build (`npm run build`: tsc, then infra/bundle.mjs), node_modules deleted (the
 * bundle carries its dependencies), then .funcignore applied with
 * gitignore rules (the `ignore` package implements them, as azd's Go library and Core Tools
 * do). The result is copied to a clean temporary folder, so that whatever loads it there sees
 * nothing of the development tree.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ignore from 'ignore';

export interface DeployedPackage {
  dir: string;
  /** Paths relative to `dir`, with forward slashes. */
  files: string[];
  bytes: number;
}

/** Never part of a build's input: git's own folder, and what the build and install recreate. */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', 'dist-bench']);

export function buildDeployedPackage(root: string): DeployedPackage {
  const staging = mkdtempSync(join(tmpdir(), 'zbn-staging-'));
  for (const entry of readdirSync(root)) {
    if (!NOT_COPIED.has(entry)) cpSync(join(root, entry), join(staging, entry), { recursive: true });
  }
  // The build needs every dependency (it bundles them) and the dev tools; an install from the
  // same lock file gives the same tree, so the staging copy borrows the development tree's.
  symlinkSync(join(root, 'node_modules'), join(staging, 'node_modules'), 'dir');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] });

  const funcignore = ignore().add(readFileSync(join(root, '.funcignore'), 'utf8'));
  // As azure.yaml's prepackage hook and README step 2a do before the upload (here the
  // borrowed link: unlink, never a recursive delete, which would reach the development tree).
  unlinkSync(join(staging, 'node_modules'));
  const kept = listFiles(staging).filter((file) => !funcignore.ignores(file));
  const dir = mkdtempSync(join(tmpdir(), 'zbn-package-'));
  let bytes = 0;
  for (const file of kept) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(staging, file), join(dir, file));
    bytes += statSync(join(dir, file)).size;
  }
  rmSync(staging, { recursive: true, force: true });
  return { dir, files: kept, bytes };
}

function listFiles(base: string, folder = base): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return listFiles(base, path);
    return entry.isFile() ? [relative(base, path).split('\\').join('/')] : [];
  });
}
