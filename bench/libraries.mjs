/**
 * For scale (bench/coldStart.ts): the libraries a quiet check runs on, bundled into one file
 * with the app's own esbuild options and nothing else, so that a cold start can be set against
 * the time these libraries take to load alone. Every export is kept, because a bare import of
 * a package without side effects would be dropped, so this loads somewhat more of each
 * library than the app's tree-shaken chunks do.
 *   node bench/libraries.mjs <out file .mjs>
 */
import { bundleModule } from '../infra/bundleOptions.mjs';

const LIBRARIES = ['@azure/functions', 'axios', 'axios-retry', '@azure/data-tables', '@slack/webhook', 'zod/mini'];

const contents = LIBRARIES.map((name, i) => `export * as library${i} from ${JSON.stringify(name)};`).join('\n');
await bundleModule(contents, process.argv[2]);
