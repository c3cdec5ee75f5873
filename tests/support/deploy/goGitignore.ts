/**
 * The ignore rules azd reads a `.funcignore` with: github.com/denormal/go-gitignore at ae8ad1d
 * (the commit azd's go.mod pins), with its fnmatch (danwakefield/fnmatch), re-implemented from
 * their source. Close to gitignore, with these differences that matter here:
 *  - the last pattern that matches the path itself wins; parents are not consulted (azd's walk
 *    never enters an ignored folder instead);
 *  - a pattern without `/` matches the base name at any depth; with a leading `/` and no other
 *    `/`, it is matched against the whole path and `*` crosses `/` (fnmatch without
 *    FNM_PATHNAME);
 *  - a pattern with `/` inside is matched against the whole path, `*` stopping at `/`;
 *  - `**` must be a whole segment and matches zero or more segments (`foo/**` matches `foo`);
 *    a line with `**` in any other place is dropped;
 *  - a trailing `/` matches folders only; `\` escapes; trailing spaces are dropped; case counts.
 */

interface Pattern {
  negated: boolean;
  directoryOnly: boolean;
  test: (path: string) => boolean;
}

/** fnmatch as a regular expression: `pathname` is FNM_PATHNAME (wildcards stop at `/`). */
function fnmatchRegex(glob: string, pathname: boolean): string {
  const any = pathname ? '[^/]' : '[\\s\\S]';
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) out += escapeRegex(glob[++i]!);
    else if (c === '*') out += `${any}*`;
    else if (c === '?') out += any;
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const members = body.replace(/[\\\]^]/g, '\\$&');
      out += negated ? `[^${members}${pathname ? '/' : ''}]` : `(?!/)[${members}]`;
      i = end;
    } else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** One line of the file as go-gitignore's parser reads it, or undefined for a comment, a blank or an invalid line. */
function parseLine(raw: string): Pattern | undefined {
  let line = raw.replace(/\r$/, '');
  if (line.startsWith('#')) return undefined;
  // Trailing whitespace goes, unless escaped.
  line = line.replace(/(?<!\\)\s+$/, '');
  if (line === '') return undefined;
  const negated = line.startsWith('!');
  if (negated) line = line.slice(1);
  const anchored = line.startsWith('/');
  if (anchored) line = line.slice(1);
  const directoryOnly = line.endsWith('/') && !line.endsWith('\\/');
  if (directoryOnly) line = line.slice(0, -1);
  if (line === '') throw new Error('go-gitignore panics on a line that is only "/" (index out of range): azd would crash');

  const segments = line.split('/');
  if (segments.some((s) => s.includes('**') && s !== '**')) return undefined;
  if (segments.includes('**')) {
    // Each `**` is zero or more whole segments; the other segments match one segment each.
    const parts = segments.map((s) => (s === '**' ? '(?:[^/]+(?:/|$))*' : `${fnmatchRegex(s, true)}(?:/|$)`));
    const regex = new RegExp(`^${parts.join('')}$`);
    return { negated, directoryOnly, test: (path) => regex.test(path) };
  }
  if (segments.length > 1) {
    const regex = new RegExp(`^${fnmatchRegex(line, true)}$`);
    return { negated, directoryOnly, test: (path) => regex.test(path) };
  }
  const regex = new RegExp(`^${fnmatchRegex(line, false)}$`);
  return { negated, directoryOnly, test: (path) => regex.test(anchored ? path : (path.split('/').at(-1) ?? path)) };
}

export class GoGitignore {
  private readonly patterns: Pattern[];

  constructor(content: string) {
    const text = content.replace(/^\uFEFF/, '');
    this.patterns = text.split('\n').flatMap((line) => parseLine(line) ?? []);
  }

  /** The path relative to the ignore file's folder, forward slashes: true when the last matching pattern ignores it. */
  ignores(path: string, isDirectory: boolean): boolean {
    for (const pattern of [...this.patterns].reverse()) {
      if (pattern.directoryOnly && !isDirectory) continue;
      if (pattern.test(path)) return !pattern.negated;
    }
    return false;
  }
}
