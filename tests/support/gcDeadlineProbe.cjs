/**
 * Run with --expose-gc: one call with a 200 ms deadline inside a check with a 3 s one, against a
 * server that trickles a byte every 20 ms and never ends, while the collector runs every 10 ms.
 * Prints which deadline ended the call: the call's own (as it must), or the check's (the call's
 * was collected before it fired, as AbortSignal.any() let happen on Node 20).
 * Usage: node --expose-gc gcDeadlineProbe.cjs <dist/shared>
 */
const { createServer } = require('node:http');
const { createRetryingHttp } = require(`${process.argv[2]}/http.js`);
const { withinDeadline } = require(`${process.argv[2]}/deadline.js`);

const server = createServer((_req, res) => {
  res.writeHead(200);
  const timer = setInterval(() => res.write(' '), 20);
  res.on('close', () => clearInterval(timer));
});
server.listen(0, '127.0.0.1', async () => {
  const collector = setInterval(() => global.gc(), 10);
  const http = createRetryingHttp({ retries: 0, totalTimeoutMs: 200 });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const ended = await withinDeadline(3000, 'the probe', () => http.get(url)).then(
    () => 'answered',
    (error) => (error.code === 'ERR_CANCELED' ? 'call deadline' : error.code === 'CHECK_TIMED_OUT' ? 'check deadline' : String(error)),
  );
  clearInterval(collector);
  server.closeAllConnections();
  server.close();
  console.log(JSON.stringify({ node: process.version, ended }));
});
