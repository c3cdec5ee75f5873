/**
 * For scale (bench/coldStart.ts), two files bundled with the app's own esbuild options and
 * nothing else, so that a cold start can be set against them:
 *  - libraries.mjs: the libraries a quiet check runs on, only loaded. Every export is kept,
 *    because a bare import of a package without side effects would be dropped, so this loads
 *    somewhat more of each library than the app's tree-shaken chunks do.
 *  - floorCheck.mjs: bench/floorCheck.mjs, a quiet check's round trips with those libraries.
 *   node bench/libraries.mjs <out folder>
 */
import { build } from 'esbuild';
import { esbuildOptions, root } from '../infra/esbuildOptions.mjs';

const LIBRARIES = ['@azure/functions', 'axios', 'axios-retry', '@azure/data-tables', '@slack/webhook', 'zod/mini'];

const [outdir] = process.argv.slice(2);
const libraries = LIBRARIES.map((name, i) => `export * as library${i} from ${JSON.stringify(name)};`).join('\n');
for (const [name, contents] of [
  ['libraries', libraries],
  ['floorCheck', "import './bench/floorCheck.mjs';"],
]) {
  await build({
    ...esbuildOptions,
    stdin: { contents, resolveDir: root, sourcefile: `${name}.mjs` },
    splitting: false,
    outfile: `${outdir}/${name}.mjs`,
  });
}
