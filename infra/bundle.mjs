/**
 * Builds what Azure runs: dist/app, a few files instead of ~19,000 in node_modules. On Flex
 * Consumption every new instance fetches and mounts the package, and Node resolves every
 * require through the file system, so file count is cold-start time.
 *
 *  - dist/app/functions/*.mjs: one entry per function (package.json "main" globs them), ES
 *    modules so that esbuild can split: code the entries share (@azure/functions among it)
 *    is one chunk under dist/app/chunks/, loaded once, and each dynamic import() in the core
 *    (the runtime, the archive worker) is a chunk the worker parses only when a function
 *    first needs it, not while it indexes the app.
 *  - dist/app/node_modules/<package>: the SDKs a quiet check does not need (LAZY_PACKAGES),
 *    each as one CommonJS file, required where the code requires it. The telemetry SDK is
 *    loaded after a check's work (shared/telemetry.ts); as a file of its own it is never
 *    parsed by a start without telemetry, and it keeps the OpenTelemetry distro's own
 *    dynamic imports inside it instead of as dozens of chunks.
 *  - @azure/functions-core stays external: the worker injects it.
 *  - Source maps without sources, so that stack traces in Application Insights point at
 *    TypeScript lines: each chunk turns source maps on before the chunks after it load.
 *
 * Usage: node infra/bundle.mjs (npm run build runs it after tsc).
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  .map((name) => `functions/${name}`);

/**
 * Packages a quiet timer check on a connection string never loads: telemetry (loaded after
 * the check), the archive's Blob and Queue clients, managed identity (identity-based storage
 * and telemetry only) and Key Vault (registered orgs' secrets, read by orgCheck). Bundled
 * inline they would be parsed on every first invocation.
 */
const LAZY_PACKAGES = ['applicationinsights', '@azure/storage-blob', '@azure/storage-queue', '@azure/identity', '@azure/keyvault-secrets'];

await build({
  ...common,
  entryPoints: functions,
  format: 'esm',
  splitting: true,
  outdir: out,
  entryNames: 'functions/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  external: [...common.external, ...LAZY_PACKAGES],
  banner: { js: esmBanner },
});

// Each as one CommonJS file that Node finds as dist/app/node_modules/<name>: a require() of it
// is resolved when it runs, so a start that does not need it never parses it.
for (const name of LAZY_PACKAGES) {
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
