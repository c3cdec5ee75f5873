/**
 * Builds what Azure runs: dist/app, a few files instead of ~19,000 in node_modules. On Flex
 * Consumption every new instance fetches and mounts the package, and Node resolves every
 * require through the file system, so file count is cold-start time.
 *
 *  - dist/app/index.mjs: the one entry (package.json "main"), which registers every function
 *    under functions/. The worker loads every entry to index the app, so one file instead of
 *    one per function and the chunks they share saves a dozen module loads (about 10 ms).
 *    It is an ES module so that esbuild can split: each dynamic import() in the core (the
 *    runtime, the archive worker) is a chunk under dist/app/chunks/ that the worker parses
 *    only when a function first needs it, not while it indexes the app.
 *  - dist/app/node_modules/<package>: the SDKs a quiet check does not need (LAZY_PACKAGES),
 *    each as one CommonJS file, required where the code requires it. The telemetry SDK is
 *    loaded after a check's work (shared/telemetry.ts); as a file of its own it is never
 *    parsed by a start without telemetry, and it keeps the OpenTelemetry distro's own
 *    dynamic imports inside it instead of as dozens of chunks.
 *  - Inside the chunks, what loads at start but is rarely used waits for first use
 *    (LAZY_EXPORTS, lazyPlugin), and Node's built-ins are required, not imported.
 *  - @azure/functions-core stays external: the worker injects it.
 *  - Whitespace and syntax are minified (names are kept, so stack frames still read well):
 *    the package is a third smaller.
 *  - Source maps without sources, and only for our own code (keepOwnMappings), so that stack
 *    traces in Application Insights point at TypeScript lines: each chunk turns source maps
 *    on before the chunks after it load.
 *
 * Usage: node infra/bundle.mjs (npm run build runs it after tsc).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/app');
// Chunk names carry content hashes: a stale one from an earlier build must not ship.
rmSync(out, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['@azure/functions-core'],
  logLevel: 'warning',
};

// ES modules have no require(); bundled CommonJS packages need one for Node's built-ins,
// and @azure/functions uses it to reach the worker's @azure/functions-core.
const esmBanner = [
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
  'process.setSourceMapsEnabled(true);',
].join('\n');

const functions = readdirSync(join(root, 'functions'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => `./functions/${name}`);

/** The entry: one import per function file, each of which registers its function. */
const entryPlugin = {
  name: 'functions-entry',
  setup(b) {
    b.onResolve({ filter: /^functions-entry$/ }, () => ({ path: 'index', namespace: 'functions-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'functions-entry' }, () => ({
      contents: functions.map((f) => `import ${JSON.stringify(f)};`).join('\n'),
      resolveDir: root,
      loader: 'js',
    }));
  },
};

/**
 * Packages a quiet timer check on a connection string never loads: telemetry (loaded after
 * the check), the archive's Blob and Queue clients, managed identity (identity-based storage
 * and telemetry only) and Key Vault (registered orgs' secrets, read by orgCheck). Bundled
 * inline they would be parsed on every first invocation.
 */
const LAZY_PACKAGES = ['applicationinsights', '@azure/storage-blob', '@azure/storage-queue', '@azure/identity', '@azure/keyvault-secrets'];

/**
 * Modules the libraries on a check's path import at their top but call only in cases this app
 * never or rarely meets: XML (Table storage's service properties; entities are JSON), proxy
 * agents (only with HTTP(S)_PROXY set) and multipart bodies (axios; mime-db alone is 200 KB of
 * object literal). Each becomes a stand-in with the same named exports that requires the real
 * module, bundled as one more lazy file, the first time one of them is called. An export this
 * list does not name fails the build rather than turning undefined. Each is swapped only for
 * the importers named: axios's own proxy agent (an older major, nested under it) is compared
 * with instanceof, which a stand-in would break.
 */
const LAZY_EXPORTS = {
  '@azure/core-xml': { exports: ['parseXML', 'stringifyXML'], importers: /@azure[/\\]data-tables/ },
  'https-proxy-agent': { exports: ['HttpsProxyAgent'], importers: /@typespec[/\\]ts-http-runtime/ },
  'http-proxy-agent': { exports: ['HttpProxyAgent'], importers: /@typespec[/\\]ts-http-runtime/ },
  'form-data': { exports: ['default'], importers: /axios[/\\]lib/ },
};

/** `new Stand-in(...)` returns the real instance: these are classes and functions alike. */
function standIn(name, exported) {
  const real = exported === 'default' ? `require(${JSON.stringify(name)})` : `require(${JSON.stringify(name)}).${exported}`;
  const id = exported === 'default' ? 'lazyDefault' : exported;
  const body = `function ${id}(...args) { return new.target ? new (${real})(...args) : (${real})(...args); }`;
  return exported === 'default' ? `export default ${body}` : `export ${body}`;
}

/**
 * Reading globalThis.FormData loads Node's undici (~15 ms of a cold start). axios reads it when
 * it loads, and the Azure SDK's pipeline on every request; both only to tell a FormData body,
 * which this app never sends. Each edit reads it only for a body that could be one. The build
 * stops if a library's line changed, so that an upgrade is reviewed rather than left eager.
 */
const SOURCE_EDITS = [
  {
    file: /axios[/\\]lib[/\\]utils\.js$/,
    edits: [
      ["const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;", ''],
      ['FormDataCtor && thing instanceof FormDataCtor', 'typeof G.FormData !== "undefined" && thing instanceof G.FormData'],
    ],
  },
  {
    file: /@typespec[/\\]ts-http-runtime[/\\]dist[/\\]esm[/\\]formData\.js$/,
    edits: [
      [
        'typeof FormData !== "undefined" && body instanceof FormData',
        'typeof body?.entries === "function" && typeof FormData !== "undefined" && body instanceof FormData',
      ],
    ],
  },
];

/** The stand-ins, the built-ins, the source edits and the fetch adapter described above. */
const lazyPlugin = {
  name: 'lazy-modules',
  setup(b) {
    const names = new RegExp(
      `^(${Object.keys(LAZY_EXPORTS)
        .map((n) => n.replace(/[/.-]/g, '\\$&'))
        .join('|')})$`,
    );
    b.onResolve({ filter: names }, (args) => {
      if (args.namespace === 'lazy') return { path: args.path, external: true };
      if (!LAZY_EXPORTS[args.path].importers.test(args.importer)) return undefined;
      // The lazy file is built from the top of node_modules: it must be the copy the importer gets.
      const [theirs, ours] = [createRequire(args.importer), createRequire(join(root, 'package.json'))].map((r) => r.resolve(args.path));
      if (theirs !== ours) throw new Error(`${args.importer} gets its own ${args.path} (${theirs}): review LAZY_EXPORTS`);
      return { path: args.path, namespace: 'lazy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: LAZY_EXPORTS[args.path].exports.map((e) => standIn(args.path, e)).join('\n'),
      loader: 'js',
    }));
    // Node's built-ins through require(): an ES import of one builds a facade that reads every
    // export, and node:http's lazy WebSocket getters would load undici that way.
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      return { path: args.path.replace(/^node:/, ''), namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`,
      loader: 'js',
    }));
    for (const { file, edits } of SOURCE_EDITS)
      b.onLoad({ filter: file }, async (args) => {
        let contents = await readFile(args.path, 'utf8');
        for (const [from, to] of edits) {
          if (!contents.includes(from)) throw new Error(`${args.path} changed: review SOURCE_EDITS in infra/bundle.mjs`);
          contents = contents.replace(from, to);
        }
        return { contents, loader: 'js' };
      });
    // axios's fetch adapter builds Request objects when it loads, which loads undici as well.
    // On Node axios picks its http adapter, so the fetch one is left out: asking for it by
    // name gets axios's "adapter not supported" error.
    b.onResolve({ filter: /^\.\/fetch\.js$/ }, (args) =>
      /axios[/\\]lib[/\\]adapters$/.test(args.resolveDir) ? { path: 'axios-fetch', namespace: 'axios-fetch' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'axios-fetch' }, () => ({
      contents: 'export const getFetch = () => false; export default false;',
      loader: 'js',
    }));
  },
};

await build({
  ...common,
  entryPoints: { index: 'functions-entry' },
  format: 'esm',
  splitting: true,
  outdir: out,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  external: [...common.external, ...LAZY_PACKAGES],
  plugins: [entryPlugin, lazyPlugin],
  banner: { js: esmBanner },
});

/**
 * Node reads and parses every loaded file's source map when the file loads, not when a stack
 * is printed, so map size is start time. Stacks need our TypeScript lines, not the libraries':
 * their mappings are cut, leaving each library's code unmapped (its stack frames name the
 * bundle file) and the maps about a third of their size.
 */
function keepOwnMappings(mapFile) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const own = map.sources.map((source) => !source.includes('node_modules/'));
  const lines = decode(map.mappings).map((segments) =>
    segments
      // A one-field segment marks "unmapped from here"; consecutive ones say nothing new.
      .map((segment) => (segment.length > 1 && !own[segment[1]] ? [segment[0]] : segment))
      .filter((segment, i, all) => segment.length > 1 || (i > 0 && all[i - 1].length > 1)),
  );
  writeFileSync(mapFile, JSON.stringify({ ...map, mappings: encode(lines) }));
}

for (const name of readdirSync(out, { recursive: true }).filter((n) => n.endsWith('.map'))) keepOwnMappings(join(out, name));

// Each as one CommonJS file that Node finds as dist/app/node_modules/<name>: a require() of it
// is resolved when it runs, so a start that does not need it never parses it.
for (const name of [...LAZY_PACKAGES, ...Object.keys(LAZY_EXPORTS)]) {
  const folder = join(out, 'node_modules', name);
  // No source maps for them: their stack traces are not ours to read, and they would add MBs.
  // Entered through require(), so that every package resolves to its CommonJS build: an ES
  // module build would bring import.meta.url, which a CommonJS bundle does not have.
  const stdin = { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' };
  // ES-module-only dependencies (open, used only by browser sign-in) still read import.meta.url.
  const banner = { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" };
  const define = { 'import.meta.url': '__bundleUrl' };
  await build({ ...common, sourcemap: false, stdin, banner, define, format: 'cjs', outfile: join(folder, 'index.js') });
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ name, private: true, main: 'index.js' }, null, 2)}\n`);
}

// The stand-ins call into these files only when a rare case comes up, which no start would
// show: check now that each resolves inside the package and has what its stand-in calls.
const requireFromApp = createRequire(join(out, 'index.mjs'));
for (const [name, { exports }] of Object.entries(LAZY_EXPORTS)) {
  const resolved = requireFromApp.resolve(name);
  const real = requireFromApp(name);
  const missing = exports.filter((e) => typeof (e === 'default' ? real : real[e]) !== 'function');
  if (!resolved.startsWith(out) || missing.length > 0) throw new Error(`the lazy ${name} (${resolved}) lacks ${missing.join(', ')}`);
}
