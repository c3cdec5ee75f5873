/**
 * Plays the Azure Functions Node.js worker for a deployed package, in a process of its own:
 *   node functionsHost.cjs <app dir> '<json list of invocations>' [concurrency]
 * It answers require('@azure/functions-core') with a stand-in (the worker injects that module
 * the same way), loads the entry files that package.json "main" names, from the app folder
 * only, and drives each invocation through the programming model that @azure/functions
 * registered: getInvocationModel -> getArguments -> invokeFunction -> getResponse, with
 * inputs shaped like the host's RPC messages. Prints one JSON report on stdout.
 *
 * Plain CommonJS with no imports but Node's own, so nothing from the development tree can
 * be loaded by it; the report lists every CommonJS module file loaded from outside the app
 * folder (Node keeps no such list for ES modules: the test checks they could not resolve there).
 */
'use strict';
const Module = require('node:module');
const { readdirSync, readFileSync } = require('node:fs');
const { join, resolve, dirname, basename } = require('node:path');
const { randomUUID } = require('node:crypto');
const { pathToFileURL } = require('node:url');

const appDir = resolve(process.argv[2]);
const invocations = JSON.parse(process.argv[3] || '[]');
// How many invocations run at once, as the host runs up to batchSize queue messages at once.
const concurrency = Math.max(1, Number(process.argv[4] || 1));
const functions = new Map();
const hooks = [];
const systemLogs = [];
const invocationLogs = [];
let programmingModel;

const coreStandIn = {
  version: '3.10.1',
  setProgrammingModel: (model) => (programmingModel = model),
  getProgrammingModel: () => programmingModel,
  registerFunction: (metadata, callback) => {
    if (functions.has(metadata.name)) throw new Error(`function ${metadata.name} registered twice`);
    functions.set(metadata.name, { metadata, callback });
    return { dispose: () => functions.delete(metadata.name) };
  },
  registerHook: (hookName, callback) => {
    hooks.push({ hookName, callback });
    return {
      dispose: () =>
        hooks.splice(
          hooks.findIndex((h) => h.callback === callback),
          1,
        ),
    };
  },
  log: (level, category, message) => systemLogs.push(`${level} ${category} ${message}`),
  Disposable: class {
    constructor(callback) {
      this.dispose = callback;
    }
  },
};

const originalLoad = Module._load;
Module._load = function load(request, ...rest) {
  return request === '@azure/functions-core' ? coreStandIn : originalLoad.call(this, request, ...rest);
};

/** package.json "main" as the worker reads it: one file, or a glob like dist/functions/*.js. */
function entryFiles() {
  const main = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')).main;
  if (!main) throw new Error('package.json has no "main": the worker finds no entry point');
  const pattern = basename(main);
  if (!pattern.includes('*')) return [join(appDir, main)];
  const matcher = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
  const folder = join(appDir, dirname(main));
  return readdirSync(folder)
    .filter((name) => matcher.test(name))
    .sort()
    .map((name) => join(folder, name));
}

/** The trigger input as the host sends it over RPC. */
function triggerData(step) {
  if (step.http) {
    const url = new URL(`https://app.example.net/api/${step.function}`);
    for (const [key, value] of Object.entries(step.http.query || {})) url.searchParams.set(key, value);
    return { http: { method: step.http.method, url: url.toString(), headers: {}, query: step.http.query || {}, params: {} } };
  }
  if (step.queueMessage !== undefined) return { string: step.queueMessage };
  return { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false }) };
}

/**
 * Every module file the package holds, loaded as the code would load it (an ES module chunk by
 * import(), a lazy package by require() from the app), so that one loaded only on a rare path
 * is known to resolve inside the package alone. Answers the files that failed, with why.
 */
async function loadEveryModule() {
  const listed = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listed(join(dir, e.name)) : [join(dir, e.name)]));
  const files = listed(appDir);
  const failures = [];
  for (const file of files.filter((f) => f.endsWith('.mjs'))) {
    await import(pathToFileURL(file).href).catch((error) => failures.push(`${file}: ${error?.message}`));
  }
  const fromApp = Module.createRequire(join(appDir, 'index.mjs'));
  for (const manifest of files.filter((f) => /[/\\]node_modules[/\\](@[^/\\]+[/\\])?[^/\\@]+[/\\]package\.json$/.test(f))) {
    const name = JSON.parse(readFileSync(manifest, 'utf8')).name;
    try {
      const resolved = fromApp.resolve(name);
      if (!resolved.startsWith(`${appDir}/`)) failures.push(`${name}: resolved outside the package, at ${resolved}`);
      fromApp(name);
    } catch (error) {
      failures.push(`${name}: ${error?.message}`);
    }
  }
  return { function: '(every module)', ok: failures.length === 0, modules: files.filter((f) => /\.(mjs|js)$/.test(f)).length, failures };
}

/** What shared/telemetry.ts does after a check's work: import the SDK from the app and start it. */
async function startTelemetrySdk(connectionString) {
  try {
    const resolved = Module.createRequire(join(appDir, 'app.mjs')).resolve('applicationinsights');
    const appInsights = (await import(pathToFileURL(resolved).href)).default;
    appInsights.setup(connectionString).setAutoCollectConsole(false).setSendLiveMetrics(false).start();
    appInsights.defaultClient.trackEvent({ name: 'probe' });
    return { function: '(telemetry SDK)', ok: true, resolved: resolved.startsWith(`${appDir}/`) };
  } catch (error) {
    return { function: '(telemetry SDK)', ok: false, error: String(error?.message), stack: String(error?.stack) };
  }
}

/** As the worker answers WorkerTerminate: every appTerminate hook, awaited. */
async function terminate() {
  const registered = hooks.filter((h) => h.hookName === 'appTerminate');
  for (const hook of registered) await hook.callback({ hookData: {}, appHookData: {} });
  return { function: '(terminate)', ok: registered.length > 0, hooks: registered.length };
}

async function invoke(step) {
  if (step.terminate) return terminate();
  if (step.loadEveryModule) return loadEveryModule();
  if (step.startTelemetrySdk) return startTelemetrySdk(step.startTelemetrySdk);
  const registered = functions.get(step.function);
  if (!registered) return { function: step.function, error: 'not registered' };
  const [triggerName] = Object.entries(registered.metadata.bindings).find(([, b]) => b.direction === 'in' && /Trigger$/.test(b.type));
  const triggerMetadata = step.queueMessage !== undefined ? { DequeueCount: { json: '1' }, Id: { string: randomUUID() } } : {};
  const invocation = programmingModel.getInvocationModel({
    invocationId: randomUUID(),
    metadata: registered.metadata,
    request: { inputData: [{ name: triggerName, data: triggerData(step) }], triggerMetadata },
    log: (level, _category, message) => invocationLogs.push(`${step.function} ${level} ${message}`),
  });
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
  // CPU seconds of the whole process meanwhile: the invocation's own when they run one at a time.
  const cpuS = () => {
    const used = process.cpuUsage(cpuBefore);
    return (used.user + used.system) / 1e6;
  };
  const { context, inputs } = await invocation.getArguments();
  try {
    const result = await invocation.invokeFunction(context, inputs, registered.callback);
    const response = await invocation.getResponse(context, result);
    const http = response.returnValue?.http;
    const body = http?.body?.bytes ? Buffer.from(http.body.bytes).toString('utf8') : undefined;
    return {
      function: step.function,
      ok: true,
      status: http ? Number(http.statusCode) : undefined,
      body: body && JSON.parse(body),
      ms: ms(),
      cpuS: cpuS(),
    };
  } catch (error) {
    return { function: step.function, ok: false, error: String(error?.message), stack: String(error?.stack), ms: ms(), cpuS: cpuS() };
  }
}

async function main() {
  const started = process.hrtime.bigint();
  // As the worker does: import() for ES modules (.mjs, or .js under "type": "module"), else require().
  for (const file of entryFiles()) {
    if (file.endsWith('.mjs')) await import(pathToFileURL(file).href);
    else require(file);
  }
  const indexMs = Number(process.hrtime.bigint() - started) / 1e6;
  const results = new Array(invocations.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < invocations.length; i = next++) results[i] = await invoke(invocations[i]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, invocations.length) }, lane));
  const outside = Object.keys(require.cache).filter((file) => !file.startsWith(`${appDir}/`) && file !== __filename);
  const report = {
    node: process.version,
    indexMs,
    functions: [...functions.values()].map(({ metadata }) => ({
      name: metadata.name,
      bindings: Object.values(metadata.bindings).map((b) => ({
        type: b.type,
        direction: b.direction,
        ...(b.schedule ? { schedule: b.schedule } : {}),
        ...(b.runOnStartup !== undefined ? { runOnStartup: b.runOnStartup } : {}),
        ...(b.queueName ? { queueName: b.queueName } : {}),
      })),
    })),
    results,
    modulesOutsideApp: outside,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    systemLogs,
    invocationLogs,
  };
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`functions host stand-in failed: ${error?.stack}\n`);
  process.exit(1);
});
