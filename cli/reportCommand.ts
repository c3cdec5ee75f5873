/**
 * `report --out <file>` writes the report page (shared/report) as one self-contained HTML
 * file; `serve` serves it on this machine's loopback only, freshly read on every request,
 * until Ctrl-C. Both need only where the state (and the archive, when there is one) is kept.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { archiveReaderOf } from '../shared/archive/catalog';
import { loadArchiveReadSettings } from '../shared/config/partial';
import { describeError } from '../shared/errors';
import { gatherReport } from '../shared/report/gather';
import { renderReport } from '../shared/report/page';
import { PAGE_HEADERS } from '../shared/report/serveReport';
import { type Io, orgsOfState } from './commands';
import { EXIT } from './usage';

/** The archive, when the settings name one (ARCHIVE_DIR, or ARCHIVE_ENABLED with the app's storage). */
function archiveOf(io: Io) {
  const named = io.settings.ARCHIVE_DIR?.trim() || io.settings.ARCHIVE_ENABLED?.trim().toLowerCase() === 'true';
  return named ? archiveReaderOf(loadArchiveReadSettings(io.settings).storage) : undefined;
}

export async function reportPage(io: Io, org: string | undefined): Promise<string> {
  const { settings, store, chosen } = await orgsOfState(io, org);
  const model = await gatherReport({ store, orgs: chosen, archive: archiveOf(io), timeZone: settings.timezone });
  return renderReport(model);
}

export async function reportCommand(io: Io, out: string | undefined, org: string | undefined): Promise<number> {
  const page = await reportPage(io, org);
  if (out) {
    writeFileSync(out, page, { mode: 0o600 });
    io.out(
      io.json
        ? JSON.stringify({ ok: true, file: out, bytes: Buffer.byteLength(page) })
        : `Wrote ${out} (${Math.round(Buffer.byteLength(page) / 1024)} KB).`,
    );
  } else io.out(page);
  return EXIT.ok;
}

export async function serveCommand(io: Io, port: number, org: string | undefined, stop: Promise<unknown> = signalled()): Promise<number> {
  const server = createServer((req, res) => {
    const address = server.address() as AddressInfo;
    // Loopback only, and only asked for by its own name: a page elsewhere cannot reach it by DNS rebinding.
    const hosts = [`127.0.0.1:${address.port}`, `localhost:${address.port}`];
    if (!hosts.includes(req.headers.host ?? '')) return void res.writeHead(421).end();
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/')
      return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    reportPage(io, org).then(
      (page) => res.writeHead(200, PAGE_HEADERS).end(page),
      (error: unknown) => {
        io.err(`the report could not be made: ${describeError(error).message}`);
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('The report could not be made: see the terminal.');
      },
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  io.out(`Serving the report on http://127.0.0.1:${(server.address() as AddressInfo).port}/ (this machine only) until Ctrl-C.`);
  await stop;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return EXIT.ok;
}

function signalled(): Promise<unknown> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
