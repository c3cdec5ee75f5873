/**
 * What `func azure functionapp publish` zips for a Node app, re-implemented from Core Tools'
 * source (Azure/azure-functions-core-tools at 3ee97a6, 2026-08-20):
 *  - the root is the first folder from the current one upwards that holds host.json
 *    (ScriptHostHelpers.GetFunctionAppRootDirectory);
 *  - no npm step runs, with or without `--build local` (ZipHelper.GetAppZipFile's Node branch);
 *  - folders named .git or .vscode are never entered, and files named .funcignore, .gitignore,
 *    local.settings.json or project.lock.json never taken, at any depth and in any case
 *    (FileSystemHelpers.GetLocalFiles);
 *  - every other file's root-relative path, with forward slashes, is tested against the root's
 *    .funcignore by GitIgnoreParser.cs, which is NOT gitignore: a regex port of
 *    codemix/gitignore-parser. Each pattern is anchored at the start of the path and must end at
 *    a word boundary (\b); `*` is one or more characters other than `/`, `**` one or more of any;
 *    `?` and `[...]` are literal; a leading `/` changes nothing; any negation that matches wins,
 *    wherever it stands; directories are never tested, only files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const NEVER_ENTERED = ['.git', '.vscode'];
const NEVER_TAKEN = ['.funcignore', '.gitignore', 'local.settings.json', 'project.lock.json'];

/** GitIgnoreParser.PrepareRegexPattern: escape, then `**` and `*`. */
function regexOf(pattern: string): string {
  return pattern
    .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
    .split('**')
    .join('(.+)')
    .split('*')
    .join('([^\\/]+)');
}

export class CoreToolsIgnore {
  private readonly positive: RegExp;
  private readonly negative: RegExp;

  constructor(content: string) {
    const lists: [string[], string[]] = [[], []];
    for (let line of content.split('\n').map((l) => l.trim())) {
      if (line === '' || line.startsWith('#')) continue;
      const negated = line.startsWith('!');
      if (negated) line = line.slice(1);
      if (line.startsWith('/')) line = line.slice(1);
      lists[negated ? 1 : 0].push(line);
    }
    const compile = (patterns: string[]) =>
      patterns.length > 0 ? new RegExp(`^((${patterns.sort().map(regexOf).join(')|(')}))\\b`) : /$^/;
    this.positive = compile(lists[0]);
    this.negative = compile(lists[1]);
  }

  accepts(input: string): boolean {
    const path = input === '/' ? '' : input;
    return this.negative.test(path) || !this.positive.test(path);
  }

  denies(input: string): boolean {
    return !this.accepts(input);
  }
}

/** The root-relative paths (forward slashes) that `func azure functionapp publish` run in `cwd` uploads. */
export function coreToolsPublishFiles(cwd: string): { root: string; files: string[] } {
  let root = cwd;
  while (!existsSync(join(root, 'host.json'))) {
    if (dirname(root) === root) throw new Error('Unable to find project root. Expecting to find one of host.json in project root.');
    root = dirname(root);
  }
  const ignoreFile = join(root, '.funcignore');
  const parser = existsSync(ignoreFile) ? new CoreToolsIgnore(readFileSync(ignoreFile, 'utf8')) : undefined;
  const files = walk(root).map((file) => relative(root, file).split('\\').join('/'));
  return { root, files: files.filter((file) => parser?.accepts(file) ?? true) };
}

function walk(folder: string): string[] {
  const named = (list: string[], name: string) => list.some((n) => n.toLowerCase() === name.toLowerCase());
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return named(NEVER_ENTERED, entry.name) ? [] : walk(path);
    return entry.isFile() && !named(NEVER_TAKEN, entry.name) ? [path] : [];
  });
}
