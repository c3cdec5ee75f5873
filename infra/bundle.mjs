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
 *    (LAZY_EXPORTS, lazyPlugin in bundleOptions.mjs), and built-ins are required, not imported.
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
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';
import { buildLazyFiles, common, esmBanner, LAZY_EXPORTS, LAZY_PACKAGES, lazyPlugin, root } from './bundleOptions.mjs';

const out = join(root, 'dist/app');
// Chunk names carry content hashes: a stale one from an earlier build must not ship.
rmSync(out, { recursive: true, force: true });

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
  // Ours are the project's own folders; a library's are under node_modules, or named by the
  // maps it ships (@azure/functions's say webpack://).
  const own = map.sources.map((source) => /^(\.\.\/)*(functions|shared)\//.test(source));
  const lines = decode(map.mappings).map((segments) =>
    segments
      // A one-field segment marks "unmapped from here"; consecutive ones say nothing new.
      .map((segment) => (segment.length > 1 && !own[segment[1]] ? [segment[0]] : segment))
      .filter((segment, i, all) => segment.length > 1 || (i > 0 && all[i - 1].length > 1)),
  );
  writeFileSync(mapFile, JSON.stringify({ ...map, mappings: encode(lines) }));
}

for (const name of readdirSync(out, { recursive: true }).filter((n) => n.endsWith('.map'))) keepOwnMappings(join(out, name));

await buildLazyFiles(join(out, 'node_modules'), [...LAZY_PACKAGES, ...Object.keys(LAZY_EXPORTS)]);

// The stand-ins call into these files only when a rare case comes up, which no start would
// show: check now that each resolves inside the package and has what its stand-in reads.
const requireFromApp = createRequire(join(out, 'index.mjs'));
for (const [name, { exports }] of Object.entries(LAZY_EXPORTS)) {
  const resolved = requireFromApp.resolve(name);
  const real = requireFromApp(name);
  const missing = exports.filter((e) => !['function', 'object'].includes(typeof (e === 'default' ? real : real[e])));
  if (!resolved.startsWith(out) || missing.length > 0) throw new Error(`the lazy ${name} (${resolved}) lacks ${missing.join(', ')}`);
}
