/**
 * Azurite (Microsoft's storage emulator, npm `azurite`, a devDependency) on free loopback
 * ports: blob, queue and table, in memory or in a folder. Used by the tests and benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key (public, documented by Microsoft; not a secret).
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  connectionString: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

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

/** Starts Azurite; `location` keeps its data in that folder, otherwise in memory. */
export async function startAzurite(options: { location?: string } = {}): Promise<RunningAzurite> {
  const [blob, queue, table] = [await freePort(), await freePort(), await freePort()];
  const persistence = options.location ? ['--location', options.location] : ['--inMemoryPersistence'];
  const child = spawn(
    process.execPath,
    [
      require.resolve('azurite/dist/src/azurite.js'),
      ...persistence,
      '--disableTelemetry',
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(blob),
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(queue),
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(table),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await Promise.all([waitForPort(blob, child), waitForPort(queue, child), waitForPort(table, child)]);
  const connectionString = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${ACCOUNT}`,
    `AccountKey=${KEY}`,
    `BlobEndpoint=http://127.0.0.1:${blob}/${ACCOUNT}`,
    `QueueEndpoint=http://127.0.0.1:${queue}/${ACCOUNT}`,
    `TableEndpoint=http://127.0.0.1:${table}/${ACCOUNT}`,
  ].join(';');
  return {
    connectionString,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
