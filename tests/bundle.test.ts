/**
 * The bundle's lazy modules (infra/bundleOptions.mjs), each probe bundled with the app's own
 * plugin and run in a fresh Node process:
 *  - http2 and assert stay unloaded until first used, then behave as the real modules (a
 *    property, a call, a thrown AssertionError);
 *  - axios's follow-redirects and its own proxy agent stay unloaded through a plain request,
 *    then load from their lazy files to follow a redirect and to open a CONNECT tunnel.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');

// process.moduleLoadList is Node's own record of the built-in modules loaded so far.
const PROBE = `
import http2 from 'node:http2';
import assert from 'assert';
const loaded = () => ({ http2: process.moduleLoadList.includes('NativeModule http2'), assert: process.moduleLoadList.includes('NativeModule assert') });
const before = loaded();
const path = http2.constants.HTTP2_HEADER_PATH;
assert.equal(1, 1);
let thrown;
try { assert(false, 'expected'); } catch (error) { thrown = { code: error.code, real: error instanceof assert.AssertionError }; }
console.log(JSON.stringify({ before, path, thrown, after: loaded() }));
`;

const BUILD = `
import { bundleModule } from ${JSON.stringify(join(root, 'infra/bundleOptions.mjs'))};
await bundleModule(process.argv[1], process.argv[2], { sourcemap: false });
`;

it('loads http2 and assert on first use, and they then act as the real modules', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'probe.mjs');
  await run(process.execPath, ['--input-type=module', '-e', BUILD, PROBE, out], { cwd: root });
  const { stdout } = await run(process.execPath, [out]);
  expect(JSON.parse(stdout)).toEqual({
    before: { http2: false, assert: false },
    path: ':path',
    thrown: { code: 'ERR_ASSERTION', real: true },
    after: { http2: true, assert: true },
  });
});

// axios's redirect transport and its own proxy agent, through the app's stand-ins and lazy files.
const AXIOS_PROBE = `
import axios from 'axios';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).map((f) => f.match(/node_modules[\\\\/](follow-redirects|axios-https-proxy-agent)[\\\\/]/)?.[1]).filter(Boolean).sort();
const before = loaded();
const tunnels = [];
const server = createServer((req, res) => (req.url === '/start' ? res.writeHead(302, { location: '/end' }).end() : res.end('followed')));
server.on('connect', (req, socket) => { tunnels.push(req.url); socket.end('HTTP/1.1 403 Forbidden\\r\\n\\r\\n'); });
await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
const { port } = server.address();
const afterPlain = (await axios.get('http://127.0.0.1:' + port + '/end', { maxRedirects: 0 }), loaded());
const followed = (await axios.get('http://127.0.0.1:' + port + '/start')).data;
const afterRedirect = loaded();
const proxied = await axios.get('https://backup.example/x', { proxy: { protocol: 'http', host: '127.0.0.1', port } }).then(() => 'answered', (e) => e.response?.status ?? e.code);
server.close();
console.log(JSON.stringify({ before, afterPlain, followed, afterRedirect, tunnels, proxied, after: loaded() }));
`;

it("loads axios's redirect transport and proxy agent on first use, and they then follow a redirect and open a tunnel", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  const build = `${BUILD}
import { buildLazyFiles } from ${JSON.stringify(join(root, 'infra/bundleOptions.mjs'))};
await buildLazyFiles(process.argv[3], ['follow-redirects', 'axios-https-proxy-agent']);`;
  await run(process.execPath, ['--input-type=module', '-e', build, AXIOS_PROBE, join(dir, 'probe.mjs'), join(dir, 'node_modules')], {
    cwd: root,
  });
  const { stdout } = await run(process.execPath, [join(dir, 'probe.mjs')], { cwd: dir });
  expect(JSON.parse(stdout)).toEqual({
    before: [],
    afterPlain: [],
    followed: 'followed',
    afterRedirect: ['follow-redirects'],
    tunnels: ['backup.example:443'],
    proxied: 403,
    after: ['axios-https-proxy-agent', 'follow-redirects'],
  });
});
