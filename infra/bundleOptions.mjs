/**
 * The esbuild options every bundle of the app shares (infra/bundle.mjs builds the package with
 * them; bench/libraries.mjs builds the libraries alone with them, for scale): the target, the
 * minifying, the source maps, the banner ES-module chunks need, and the plugin that keeps
 * rarely used modules off the start (LAZY_EXPORTS, SOURCE_EDITS, built-ins, the fetch adapter).
 */
import { writeFileSync } from 'node:fs';
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
 * agents (only with HTTP(S)_PROXY set), multipart bodies (axios; mime-db alone is 200 KB of
 * object literal) and redirects (axios sends through follow-redirects only when it follows
 * them; this app's own requests set maxRedirects to 0, @slack/webhook's do follow). Each becomes
 * a stand-in with the same exports that requires the real module, bundled as one more lazy file
 * named by its key, the first time one is called (an object: read). Keyed by that file's name:
 * `module` is what the importers ask for (the key when left out), `from` the package whose copy
 * they get (axios nests an older major of the proxy agent). The build fails when an export
 * named here is missing, or when an importer would get another copy than the one named.
 */
export const LAZY_EXPORTS = {
  '@azure/core-xml': { exports: ['parseXML', 'stringifyXML'], importers: /@azure[/\\]data-tables/ },
  'https-proxy-agent': { exports: ['HttpsProxyAgent'], importers: /@typespec[/\\]ts-http-runtime/ },
  'http-proxy-agent': { exports: ['HttpProxyAgent'], importers: /@typespec[/\\]ts-http-runtime/ },
  'form-data': { exports: ['default'], importers: /axios[/\\]lib/ },
  'axios-https-proxy-agent': { module: 'https-proxy-agent', from: 'axios', exports: ['default'], importers: /axios[/\\]lib/ },
  'follow-redirects': { exports: ['default'], importers: /axios[/\\]lib/ },
};

/** The file a lazy module's key stands for: its `module` as the package `from` resolves it. */
export function lazyTarget(key) {
  const { module = key, from } = LAZY_EXPORTS[key];
  const base = from ? createRequire(join(root, 'package.json')).resolve(`${from}/package.json`) : join(root, 'package.json');
  return createRequire(base).resolve(module);
}

/**
 * The stand-in for one export, shaped by the real one: a function that calls or constructs the
 * real one (instanceof asks the real class too), or an object whose properties read the real one's.
 */
function standIn(key, exported) {
  const module = createRequire(import.meta.url)(lazyTarget(key));
  const value = exported === 'default' ? module : module[exported];
  const real = `require(${JSON.stringify(key)})${exported === 'default' ? '' : `.${exported}`}`;
  const name = exported === 'default' ? 'lazyDefault' : exported;
  let body;
  if (typeof value === 'function')
    body = `Object.defineProperty(${forwarding(name, real)}, Symbol.hasInstance, { value: (v) => v instanceof ${real} })`;
  else if (value !== null && typeof value === 'object') body = getters(real, Object.keys(value));
  else throw new Error(`${lazyTarget(key)} has no ${exported} to stand in for: review LAZY_EXPORTS in infra/bundleOptions.mjs`);
  return exported === 'default' ? `export default ${body};` : `export const ${name} = ${body};`;
}

/** An object (or a function's properties) whose `keys` read those of what `real` evaluates to then. */
function getters(real, keys, target = '{}') {
  return `Object.defineProperties(${target}, Object.fromEntries(${JSON.stringify(keys)}.map((key) => [key, { enumerable: true, get: () => (${real})[key] }])))`;
}

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
  return `${load}\nmodule.exports = ${getters('load()', Object.keys(real), target)};`;
}

/**
 * Reading globalThis.FormData loads Node's undici (~15 ms of a cold start). axios reads it when
 * it loads, and the Azure SDK's pipeline on every request; both only to tell a FormData body,
 * which this app never sends. Each edit reads it only for a body that could be one. axios also
 * reads follow-redirects' transports when it loads: the edit reads them when a request follows
 * redirects, so that its stand-in stays unloaded until then. The build stops if a library's
 * line changed, so that an upgrade is reviewed rather than left eager.
 */
const SOURCE_EDITS = [
  {
    file: /axios[/\\]lib[/\\]adapters[/\\]http\.js$/,
    edits: [
      ['const { http: httpFollow, https: httpsFollow } = followRedirects;', ''],
      [
        'transport = isHttpsRequest ? httpsFollow : httpFollow;',
        'transport = isHttpsRequest ? followRedirects.https : followRedirects.http;',
      ],
    ],
  },
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
    // What importers ask for, and (in the stand-ins) the lazy files' own names.
    const requests = new Set(Object.entries(LAZY_EXPORTS).flatMap(([key, { module = key }]) => [key, module]));
    const names = new RegExp(`^(${[...requests].map((n) => n.replace(/[/.-]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter: names }, (args) => {
      if (args.namespace === 'lazy') return { path: args.path, external: true };
      const key = Object.keys(LAZY_EXPORTS).find(
        (k) => (LAZY_EXPORTS[k].module ?? k) === args.path && LAZY_EXPORTS[k].importers.test(args.importer),
      );
      if (!key) return undefined;
      // The lazy file is built from the copy the key names: it must be the one the importer gets.
      const theirs = createRequire(args.importer).resolve(args.path);
      if (theirs !== lazyTarget(key)) throw new Error(`${args.importer} gets another ${args.path} (${theirs}): review LAZY_EXPORTS`);
      return { path: key, namespace: 'lazy' };
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

/**
 * Each package `names` (LAZY_PACKAGES, LAZY_EXPORTS' keys) as one CommonJS file that Node finds
 * as <nodeModules>/<name>: a require() of it is resolved when it runs, so a start that does not
 * need it never parses it. No source maps for them: their stack traces are not ours to read,
 * and they would add MBs. Entered through require(), so that every package resolves to its
 * CommonJS build: an ES module build would bring import.meta.url, which CommonJS lacks.
 */
export async function buildLazyFiles(nodeModules, names) {
  for (const name of names) {
    const folder = join(nodeModules, name);
    const entry = name in LAZY_EXPORTS ? lazyTarget(name) : name;
    const stdin = { contents: `module.exports = require(${JSON.stringify(entry)});`, resolveDir: root, loader: 'js' };
    // ES-module-only dependencies (open, used only by browser sign-in) still read import.meta.url.
    const banner = { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" };
    const define = { 'import.meta.url': '__bundleUrl' };
    await build({ ...common, sourcemap: false, stdin, banner, define, format: 'cjs', outfile: join(folder, 'index.js') });
    writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ name, private: true, main: 'index.js' }, null, 2)}\n`);
  }
}
