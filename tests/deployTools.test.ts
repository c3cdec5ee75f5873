/**
 * The two deploy tools' ignore rules, as tests/support/deploy re-implements them, checked
 * against the tools' own test vectors: Core Tools' GitIgnoreParserTests.cs and
 * denormal/go-gitignore's defn_test.go (the commit azd pins), and azd's remote-build matrix
 * (service_target_functionapp_test.go). A port that passed plausible cases but not these
 * would model a tool that does not exist.
 */
import { CoreToolsIgnore } from './support/deploy/coreToolsPublish';
import { GoGitignore } from './support/deploy/goGitignore';

describe("Core Tools' GitIgnoreParser (GitIgnoreParserTests.cs)", () => {
  const FILE = [
    '# This is a comment in a .gitignore file!',
    'node_modules',
    '*.log',
    '',
    '# Ignore this nonexistent file',
    'nonexistent',
    '',
    '# Do not ignore this file',
    '!/nonexistent/foo',
    '',
    '# Ignore some files',
    '',
    '/baz',
    '',
    'foo/*.wat',
    '',
    '/test1',
    '',
    'test2',
    '',
    '# Ignore some deep sub folders',
    'othernonexistent/**/what',
    '',
    '# Unignore some other sub folders',
    '!/othernonexistent/**/what/foo',
    '',
    '',
    '*.swp',
    '',
  ].join('\r\n');
  const file = new CoreToolsIgnore(FILE);
  const noNegatives = new CoreToolsIgnore('node_modules');

  it.each([
    [file, 'test/index.js', true],
    [file, 'wat/test/index.js', true],
    [file, '/othernonexistent/blah/adsasd/whatads', true],
    [file, '/othernonexistent/blah/adsasd/what/foo', true],
    [noNegatives, 'test/index.js', true],
    [file, 'test2', false],
    [file, 'test1File.wat', true],
    [file, 'test.swp', false],
    [file, 'node_modules/what.js', false],
    [file, 'foo/bar.wat', false],
    [file, 'othernonexistent/blah/what', false],
    [noNegatives, 'node_modules/wat.js', false],
    [file, 'nonexistent', false],
    [file, 'nonexistent/bar', false],
    [noNegatives, 'node_modules', false],
    [file, 'nonexistent/foo', true],
    [file, 'nonexistent/foo/wat', true],
    [file, 'test1', false],
    [noNegatives, 'node_modules/foo', false],
  ])('%#: accepts %s: %s', (parser, path, accepted) => {
    expect(parser.accepts(path as string)).toBe(accepted);
    expect(parser.denies(path as string)).toBe(!accepted);
  });

  it('is not gitignore: a star needs a character, patterns are anchored at the root, a trailing slash needs a word character', () => {
    const parser = new CoreToolsIgnore('/.zoho-backup-state.json*\n*.ts\nnode_modules/\n');
    expect(parser.accepts('.zoho-backup-state.json')).toBe(true);
    expect(parser.accepts('src/index.ts')).toBe(true);
    expect(parser.accepts('node_modules/@azure/functions/package.json')).toBe(true);
    expect(parser.accepts('index.ts')).toBe(false);
  });
});

describe("azd's go-gitignore (denormal/go-gitignore defn_test.go)", () => {
  const FILE = `*.[oa]
*.html
*.min.js

!foo*.html
foo-excl.html

vmlinux*

\\!important!.txt

log/*.log
!/log/foo.log

**/logdir/log
**/foodir/bar
exclude/**

!findthis*

**/hide/**
subdir/subdir2/

/rootsubdir/

dirpattern/

README.md

# arch/foo/kernel/.gitignore
!arch/foo/kernel/vmlinux*

# htmldoc/.gitignore
!htmldoc/*.html

# git-sample-3/.gitignore
git-sample-3/*
!git-sample-3/foo
git-sample-3/foo/*
!git-sample-3/foo/bar

Documentation/*.pdf
Documentation/**/p*.pdf
`;
  const ignorer = new GoGitignore(FILE);

  // A trailing / marks a folder, as in the library's table.
  it.each([
    ['!important!.txt', true],
    ['arch/foo/kernel/vmlinux.lds.S', false],
    ['arch/foo/vmlinux.lds.S', true],
    ['dirpattern', false],
    ['my/other/path/to/dirpattern', false],
    ['my/path/to/dirpattern/', true],
    ['my/path/to/dirpattern/some_file.txt', false],
    ['Documentation/foo-excl.html', true],
    ['Documentation/foo.html', false],
    ['Documentation/gitignore.html', true],
    ['exclude/', true],
    ['exclude/dir1/dir2/dir3/testfile', true],
    ['exclude/other_file.txt', true],
    ['file.o', true],
    ['foo/exclude/some_file.txt', false],
    ['foodir/bar/', true],
    ['foodir/bar/testfile', false],
    ['git-sample-3/foo/', false],
    ['git-sample-3/foo/bar/', false],
    ['git-sample-3/foo/test/', true],
    ['git-sample-3/test/', true],
    ['htmldoc/docs.html', false],
    ['htmldoc/jslib.min.js', true],
    ['log/foo.log', false],
    ['log/test.log', true],
    ['rootsubdir/', true],
    ['rootsubdir/foo', false],
    ['src/findthis.o', false],
    ['src/internal.o', true],
    ['subdir/hide/', true],
    ['subdir/hide/foo', true],
    ['subdir/logdir/log/', true],
    ['subdir/logdir/log/findthis.log', false],
    ['subdir/logdir/log/test.log', false],
    ['subdir/rootsubdir/', false],
    ['subdir/subdir2/', true],
    ['subdir/subdir2/bar', false],
    ['README.md', true],
    ['my-path/also/README.md', true],
    ['Documentation/git.pdf', true],
    ['Documentation/ppc/ppc.pdf', true],
    ['tools/perf/Documentation/perf.pdf', false],
  ])('ignores %s: %s', (path, ignored) => {
    const isDirectory = path.endsWith('/');
    expect(ignorer.ignores(isDirectory ? path.slice(0, -1) : path, isDirectory)).toBe(ignored);
  });

  // azd's remote-build edge cases: does the project's .funcignore exclude node_modules?
  it.each([
    ['\n', false],
    ['node_modules/\n', true],
    ['# node_modules\n', false],
    ['dist\r\nnode_modules\r\n.env\r\n', true],
    ['node_modules/**\n', true],
    ['/node_modules\n', true],
    ['**/node_modules\n', true],
  ])('reads %j as excluding node_modules: %s', (content, excluded) => {
    expect(new GoGitignore(content).ignores('node_modules', true)).toBe(excluded);
  });

  it('lets a star cross folders in a rooted name pattern, and the last match win', () => {
    expect(new GoGitignore('/*.ts').ignores('src/a.ts', false)).toBe(true);
    expect(new GoGitignore('*.js\n!keep.js').ignores('keep.js', false)).toBe(false);
    expect(new GoGitignore('!keep.js\n*.js').ignores('keep.js', false)).toBe(true);
  });
});
