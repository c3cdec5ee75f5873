/**
 * For scale (bench/coldStart.ts), two files bundled with the app's own esbuild options and
 * nothing else, so that a cold start can be set against them:
 *  - libraries.mjs: the libraries a quiet check runs on, only loaded. Every export is kept,
 *    because a bare import of a package without side effects would be dropped, so this loads
 *    somewhat more of each library than the app's tree-shaken chunks do.
 *  - floorCheck.mjs: bench/floorCheck.mjs, a quiet check's round trips with those libraries.
 *   node bench/libraries.mjs <out folder>
 */
import { join } from 'node:path';
import { bundleModule } from '../infra/bundleOptions.mjs';

const LIBRARIES = ['@azure/functions', 'axios', 'axios-retry', '@azure/data-tables', '@slack/webhook', 'zod/mini'];

const [out] = process.argv.slice(2);
const contents = LIBRARIES.map((name, i) => `export * as library${i} from ${JSON.stringify(name)};`).join('\n');
await bundleModule(contents, join(out, 'libraries.mjs'));
await bundleModule("import './bench/floorCheck.mjs';", join(out, 'floorCheck.mjs'));
