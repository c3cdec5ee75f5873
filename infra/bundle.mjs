/**
 * Builds the code of dist/app, the package Azure runs (infra/stage.mjs adds host.json and
 * package.json): a few dozen files instead of ~19,000 in node_modules, which every new Flex
 * Consumption instance would fetch and Node resolve one by one.
 *  - app.mjs registers every function under functions/ (the worker indexes the app by loading
 *    package.json's "main"); each dynamic import() in the code is a chunk under chunks/, parsed
 *    only when a function first needs it.
 *  - node_modules/applicationinsights/index.js: the telemetry SDK, loaded after a check's work
 *    (shared/telemetry.ts), bundled on its own as the CommonJS it is (it reads __dirname) and
 *    without splitting: its OpenTelemetry distro imports dozens of its own modules dynamically,
 *    which split would be ~130 more files. The app's import('applicationinsights') finds it as
 *    Node finds any package.
 *  - index.mjs, the "main", turns source maps on and only then imports app.mjs: Node maps the
 *    stack frames of a file only if maps were on when it was compiled, so that every frame of a
 *    failure in Application Insights names a TypeScript file and line.
 *
 * Usage: node infra/bundle.mjs (npm run build runs it after tsc).
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions, root } from './esbuildOptions.mjs';

const out = join(root, 'dist/app');
// Chunk names carry content hashes: a stale one from an earlier build must not ship.
rmSync(out, { recursive: true, force: true });

const functionFiles = readdirSync(join(root, 'functions')).filter((name) => name.endsWith('.ts'));

/** The app's entry: one import per function file, each of which registers its function. */
const functionsEntry = {
  name: 'functions-entry',
  setup(b) {
    b.onResolve({ filter: /^functions-entry$/ }, () => ({ path: 'app', namespace: 'functions-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'functions-entry' }, () => ({
      contents: functionFiles.map((file) => `import './functions/${file}';`).join('\n'),
      resolveDir: root,
    }));
  },
};

await build({
  ...esbuildOptions,
  entryPoints: { app: 'functions-entry' },
  outdir: out,
  chunkNames: 'chunks/[name]-[hash]',
  external: [...esbuildOptions.external, 'applicationinsights'],
  plugins: [functionsEntry],
});

const telemetry = join(out, 'node_modules/applicationinsights');
await build({
  ...esbuildOptions,
  entryPoints: { index: 'applicationinsights' },
  outdir: telemetry,
  format: 'cjs',
  outExtension: {},
  banner: {},
  splitting: false,
  sourcemap: false,
});
writeFileSync(join(telemetry, 'package.json'), `${JSON.stringify({ name: 'applicationinsights', private: true, main: 'index.js' })}\n`);

writeFileSync(join(out, 'index.mjs'), "process.setSourceMapsEnabled(true);\nawait import('./app.mjs');\n");
