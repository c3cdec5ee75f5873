/**
 * The esbuild options every bundle of the app shares (infra/bundle.mjs builds the package with
 * them; bench/libraries.mjs builds the libraries alone with them, for scale): the target, the
 * minifying, the source maps, the banner ES-module chunks need, and the plugin that keeps
 * rarely used modules off the start (LAZY_EXPORTS, SOURCE_EDITS, built-ins, the fetch adapter).
 */
import { readFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const common = {
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
export const esmBanner = [
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
  'process.setSourceMapsEnabled(true);',
].join('\n');

/**
 * Packages a quiet timer check on a connection string never loads: telemetry (loaded after
 * the check), the Queue client (the archive's and the org fan-out's), managed identity
 * (identity-based storage and telemetry only) and Key Vault (registered orgs' secrets, read
 * by orgCheck). Bundled inline they would be parsed on every first invocation. The Blob SDK is
 * not here: only the archive worker's chunk imports it (shared/archive/container.ts), so it is
 * bundled there and shares the Azure core with the Tables SDK.
 */
export const LAZY_PACKAGES = ['applicationinsights', '@azure/storage-queue', '@azure/identity', '@azure/keyvault-secrets'];

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
export const LAZY_EXPORTS = {
  '@azure/core-xml': { exports: ['parseXML', 'stringifyXML'], importers: /@azure[/\\]data-tables/ },
  'https-proxy-agent': { exports: ['HttpsProxyAgent'], importers: /@typespec[/\\]ts-http-runtime/ },
  'http-proxy-agent': { exports: ['HttpProxyAgent'], importers: /@typespec[/\\]ts-http-runtime/ },
  'form-data': { exports: ['default'], importers: /axios[/\\]lib/ },
};

/**
 * Built-ins that a library on a check's path requires at its top but uses only in a path this
 * app never takes: http2 (axios's HTTP/2 transport; it also loads assert, fs/promises and
 * readline: about 8 ms) and assert (follow-redirects, whose requests axios makes only when
 * redirects are followed; this app sets maxRedirects to 0). Each becomes an object (or, for a
 * function, a forwarding function) whose properties load the real module on first use.
 */
const LAZY_BUILTINS = ['http2', 'assert'];

/** A function named `id` that calls, or with `new` constructs, what `real` evaluates to then: classes and functions alike. */
function forwarding(id, real) {
  return `function ${id}(...args) { return new.target ? new (${real})(...args) : (${real})(...args); }`;
}

function lazyBuiltin(name) {
  const real = createRequire(import.meta.url)(`node:${name}`);
  const load = `let real; const load = () => (real ??= require(${JSON.stringify(`node:${name}`)}));`;
  const target = typeof real === 'function' ? forwarding('lazyBuiltin', 'load()') : '{}';
  const keys = JSON.stringify(Object.keys(real));
  return `${load}\nmodule.exports = Object.defineProperties(${target}, Object.fromEntries(${keys}.map((key) => [key, { enumerable: true, get: () => load()[key] }])));`;
}

function standIn(name, exported) {
  const real = exported === 'default' ? `require(${JSON.stringify(name)})` : `require(${JSON.stringify(name)}).${exported}`;
  const body = forwarding(exported === 'default' ? 'lazyDefault' : exported, real);
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
export const lazyPlugin = {
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
    b.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      return { path: args.path.replace(/^node:/, ''), namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: LAZY_BUILTINS.includes(args.path)
        ? lazyBuiltin(args.path)
        : `module.exports = require(${JSON.stringify(`node:${args.path}`)});`,
      loader: 'js',
    }));
    for (const { file, edits } of SOURCE_EDITS)
      b.onLoad({ filter: file }, async (args) => {
        let contents = await readFile(args.path, 'utf8');
        for (const [from, to] of edits) {
          if (!contents.includes(from)) throw new Error(`${args.path} changed: review SOURCE_EDITS in infra/bundleOptions.mjs`);
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

/** One ES module of `contents` (resolved from the project root), bundled as the app's chunks are. */
export function bundleModule(contents, outfile, options = {}) {
  return build({
    ...common,
    ...options,
    stdin: { contents, resolveDir: root, loader: 'js' },
    format: 'esm',
    outfile,
    plugins: [lazyPlugin],
    banner: { js: esmBanner },
  });
}
