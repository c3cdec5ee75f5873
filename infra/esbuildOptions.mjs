/**
 * The esbuild options of every bundle of the app: infra/bundle.mjs builds the package with
 * them, bench/libraries.mjs the libraries alone, for scale. An ordinary configuration: one
 * bundle for Node as ES modules, split at each dynamic import() so that code a start does not
 * need is a chunk it never parses; source maps without sources; @azure/functions-core left to
 * the Functions worker, which injects it.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const esbuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  sourcesContent: false,
  // Names kept, so that stack frames read well even where a map is missing.
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['@azure/functions-core'],
  // Bundled CommonJS packages require Node's built-ins, and @azure/functions the worker's
  // @azure/functions-core: an ES module has no require() of its own, so it gets one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
};
