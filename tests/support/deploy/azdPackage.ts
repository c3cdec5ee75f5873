/**
 * What `azd package` / `azd deploy` / `azd up` zip for this project's function service,
 * re-implemented from azd's source (Azure/azure-dev at ae35809):
 *  1. restore: `npm install` in the project folder, skipped when node_modules/.package-lock.json
 *     is not older than package-lock.json (tools/node/detect.go);
 *  2. the service's prepackage hook, then `npm run build --if-present` in the project folder
 *     (service_manager.go, framework_service_node.go); hooks run with `sh` in the project folder;
 *  3. the folder zipped is the project folder, or `dist:` inside it, which must not be empty;
 *  4. its own .funcignore is read with go-gitignore (./goGitignore.ts); folders named .azure,
 *     files named .funcignore and local.settings.json are always left out, at any depth; with
 *     no .funcignore, node_modules folders are dropped at any depth unless `remoteBuild: false`
 *     (project_utils.go createDeployableZip); an ignored folder is never entered (rzip.go);
 *  5. remote build on Flex is decided by the PROJECT folder's .funcignore, whatever `dist:` is:
 *     absent, `remoteBuild` as set (true when unset); present, whether it ignores node_modules,
 *     and a `remoteBuild` that contradicts it is an error (service_target_functionapp.go).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { GoGitignore } from './goGitignore';

interface AzdService {
  project: string;
  language: string;
  host: string;
  dist?: string;
  remoteBuild?: boolean;
  hooks?: Record<string, { shell?: string; run: string }>;
}

export interface AzdPackage {
  /** The folder zipped, and the paths in the zip relative to it. */
  root: string;
  files: string[];
  remoteBuild: boolean;
  /** What ran, in order: the restore (or its skip), hooks, the build. */
  steps: string[];
}

export function azdService(projectDir: string, name = 'api'): AzdService {
  const config = parse(readFileSync(join(projectDir, 'azure.yaml'), 'utf8')) as { services: Record<string, AzdService> };
  const service = config.services[name];
  if (!service) throw new Error(`azure.yaml has no service ${name}`);
  return service;
}

export function azdPackage(projectDir: string): AzdPackage {
  const service = azdService(projectDir);
  const path = join(projectDir, service.project);
  const steps: string[] = [];
  const runHook = (event: string) => {
    const hook = service.hooks?.[event];
    if (!hook) return;
    steps.push(`hook ${event}`);
    execFileSync(hook.shell ?? 'sh', ['-c', hook.run], { cwd: path, stdio: 'ignore' });
  };

  runHook('prerestore');
  if (dependenciesUpToDate(path)) steps.push('restore: up to date');
  else {
    steps.push('npm install');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: path, stdio: 'ignore' });
  }
  runHook('postrestore');
  runHook('prepackage');
  steps.push('npm run build --if-present');
  execFileSync('npm', ['run', 'build', '--if-present', '--silent'], { cwd: path, stdio: ['ignore', 'ignore', 'inherit'] });

  const root = service.dist ? join(path, service.dist) : path;
  if (!existsSync(root) || readdirSync(root).length === 0) throw new Error(`package source '${root}' is empty or does not exist`);
  const ignoreFile = join(root, '.funcignore');
  const ignorer = existsSync(ignoreFile) ? new GoGitignore(readFileSync(ignoreFile, 'utf8')) : undefined;
  const keep = (relativePath: string, name: string, isDirectory: boolean): boolean => {
    if (isDirectory && name === '.azure') return false;
    if (!isDirectory && (name === '.funcignore' || name === 'local.settings.json')) return false;
    if (ignorer) return !ignorer.ignores(relativePath, isDirectory);
    return !(isDirectory && name === 'node_modules' && service.remoteBuild !== false);
  };
  const files = walk(root, root, keep);
  runHook('postpackage');
  return { root, files, remoteBuild: remoteBuildOf(path, service), steps };
}

function dependenciesUpToDate(path: string): boolean {
  const lock = join(path, 'package-lock.json');
  const marker = join(path, 'node_modules/.package-lock.json');
  if (!existsSync(lock) || !existsSync(marker)) return false;
  return statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
}

function remoteBuildOf(path: string, service: AzdService): boolean {
  const ignoreFile = join(path, '.funcignore');
  if (!existsSync(ignoreFile)) return service.remoteBuild ?? true;
  const excluded = new GoGitignore(readFileSync(ignoreFile, 'utf8')).ignores('node_modules', true);
  if (service.remoteBuild === undefined) return excluded;
  if (service.remoteBuild && !excluded) throw new Error("'remoteBuild: true' requires '.funcignore' to exclude node_modules");
  if (!service.remoteBuild && excluded) throw new Error("'remoteBuild: false' cannot be used when '.funcignore' excludes node_modules");
  return service.remoteBuild;
}

/** rzip.CreateFromDirectory: entries in name order, a refused folder never entered, files only. */
function walk(root: string, folder: string, keep: (path: string, name: string, isDirectory: boolean) => boolean): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const full = join(folder, entry.name);
      const isDirectory = statSync(full).isDirectory();
      const path = relative(root, full).split('\\').join('/');
      if (!keep(path, entry.name, isDirectory)) return [];
      return isDirectory ? walk(root, full, keep) : [path];
    });
}
