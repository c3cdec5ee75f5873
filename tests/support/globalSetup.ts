/**
 * Starts one Azurite (blob, queue, table; in memory) on free loopback ports for the whole
 * test run and hands its connection string to the test workers via AZURITE_CONNECTION_STRING.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';

const ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key (public, documented by Microsoft; not a secret).
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Azurite did not listen on port ${port} within ${timeoutMs} ms`);
}

export default async function globalSetup(): Promise<void> {
  const [blob, queue, table] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      require.resolve('azurite/dist/src/azurite.js'),
      '--inMemoryPersistence', '--disableTelemetry', '--silent', '--skipApiVersionCheck', '--loose',
      '--blobHost', '127.0.0.1', '--blobPort', String(blob),
      '--queueHost', '127.0.0.1', '--queuePort', String(queue),
      '--tableHost', '127.0.0.1', '--tablePort', String(table),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  (globalThis as { __AZURITE__?: ChildProcess }).__AZURITE__ = child;
  await Promise.all([waitForPort(blob, child), waitForPort(queue, child), waitForPort(table, child)]);
  process.env.AZURITE_CONNECTION_STRING = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${ACCOUNT}`,
    `AccountKey=${KEY}`,
    `BlobEndpoint=http://127.0.0.1:${blob}/${ACCOUNT}`,
    `QueueEndpoint=http://127.0.0.1:${queue}/${ACCOUNT}`,
    `TableEndpoint=http://127.0.0.1:${table}/${ACCOUNT}`,
  ].join(';');
}
