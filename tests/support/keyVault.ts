/**
 * Local servers that behave like the two Azure services the org registry needs beyond
 * storage, as their documents describe them:
 *  - the App Service managed identity endpoint (what IDENTITY_ENDPOINT and IDENTITY_HEADER
 *    point a Function App's code at): GET ?resource=&api-version=2019-08-01 with the
 *    X-IDENTITY-HEADER secret answers a bearer token;
 *  - Key Vault's secrets REST API over https (bearer tokens are never sent over http): the
 *    challenge (401 with WWW-Authenticate), get/set/delete, soft delete with purge protection
 *    (a deleted name answers 409 to a set until it is recovered), and recover.
 * The vault accepts only tokens the identity endpoint minted for its resource.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// From tests/support, or from its compiled copy in dist-bench/tests/support (the benchmarks).
const FIXTURES = [join(__dirname, '../fixtures'), join(__dirname, '../../../tests/fixtures')].find((dir) => existsSync(dir)) ?? '';
export const TEST_CA = join(FIXTURES, 'loopback-test-cert.pem');
const KEY = join(FIXTURES, 'loopback-test-key.pem');
const RESOURCE = 'https://vault.azure.net';

interface StoredSecret {
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
}

export class FakeKeyVault {
  readonly secrets = new Map<string, StoredSecret>();
  readonly deleted = new Map<string, StoredSecret>();
  readonly requests: Array<{ method: string; path: string }> = [];
  private readonly tokens = new Set<string>();
  private readonly identityHeader = randomBytes(8).toString('hex');

  private constructor(
    private readonly vault: Server,
    private readonly identity: Server,
  ) {}

  static async start(): Promise<FakeKeyVault> {
    const servers: { vault?: Server; identity?: Server } = {};
    let fake: FakeKeyVault | undefined;
    servers.vault = createHttpsServer({ cert: readFileSync(TEST_CA), key: readFileSync(KEY) }, (req, res) => fake?.serveVault(req, res));
    servers.identity = createHttpServer((req, res) => fake?.serveIdentity(req, res));
    fake = new FakeKeyVault(servers.vault, servers.identity);
    await Promise.all([servers.vault, servers.identity].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    return fake;
  }

  get vaultUrl(): string {
    return `https://127.0.0.1:${(this.vault.address() as AddressInfo).port}`;
  }

  /** What a child process needs to reach both as a Function App (or `az login`) would. */
  get env(): Record<string, string> {
    return {
      IDENTITY_ENDPOINT: `http://127.0.0.1:${(this.identity.address() as AddressInfo).port}/msi/token`,
      IDENTITY_HEADER: this.identityHeader,
      NODE_EXTRA_CA_CERTS: TEST_CA,
      ZOHO_ORGS_VAULT_URI: this.vaultUrl,
    };
  }

  async close(): Promise<void> {
    for (const server of [this.vault, this.identity]) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  private serveIdentity(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://identity');
    if (req.headers['x-identity-header'] !== this.identityHeader || url.searchParams.get('api-version') !== '2019-08-01') {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request' }));
      return;
    }
    const accessToken = randomBytes(24).toString('base64url');
    const resource = url.searchParams.get('resource') ?? '';
    if (resource === RESOURCE || resource === `${RESOURCE}/`) this.tokens.add(accessToken);
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ access_token: accessToken, expires_on: String(expiresOn), resource, token_type: 'Bearer' }));
  }

  private serveVault(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', this.vaultUrl);
      this.requests.push({ method: req.method ?? '', path: url.pathname });
      const token = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
      if (!token || !this.tokens.has(token)) {
        res.setHeader(
          'WWW-Authenticate',
          `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="${RESOURCE}"`,
        );
        return json(res, 401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } });
      }
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<StoredSecret>) : {};
      this.route(req.method ?? 'GET', url.pathname.split('/').filter(Boolean), body, res);
    });
  }

  private route(method: string, [collection, name, action]: string[], body: Partial<StoredSecret>, res: ServerResponse): ServerResponse {
    const id = `${this.vaultUrl}/secrets/${name}/0123456789abcdef0123456789abcdef`;
    const bundle = (s: StoredSecret) => ({ value: s.value, id, contentType: s.contentType, tags: s.tags, attributes: { enabled: true } });
    const notFound = () =>
      json(res, 404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
    if (!name) return notFound();
    if (collection === 'secrets' && method === 'GET') {
      const secret = this.secrets.get(name);
      return secret ? json(res, 200, bundle(secret)) : notFound();
    }
    if (collection === 'secrets' && method === 'PUT') {
      if (this.deleted.has(name))
        return json(res, 409, { error: { code: 'Conflict', message: `Secret ${name} is currently in a deleted but recoverable state.` } });
      const secret = { value: String(body.value ?? ''), contentType: body.contentType, tags: body.tags };
      this.secrets.set(name, secret);
      return json(res, 200, bundle(secret));
    }
    if (collection === 'secrets' && method === 'DELETE') {
      const secret = this.secrets.get(name);
      if (!secret) return notFound();
      this.secrets.delete(name);
      this.deleted.set(name, secret);
      return json(res, 200, { ...bundle(secret), value: undefined, recoveryId: `${this.vaultUrl}/deletedsecrets/${name}`, deletedDate: 1 });
    }
    if (collection === 'deletedsecrets' && method === 'GET') {
      const secret = this.deleted.get(name);
      return secret
        ? json(res, 200, { ...bundle(secret), value: undefined, recoveryId: `${this.vaultUrl}/deletedsecrets/${name}` })
        : notFound();
    }
    if (collection === 'deletedsecrets' && method === 'POST' && action === 'recover') {
      const secret = this.deleted.get(name);
      if (!secret) return notFound();
      this.deleted.delete(name);
      this.secrets.set(name, secret);
      return json(res, 200, { ...bundle(secret), value: undefined });
    }
    return json(res, 405, { error: { code: 'BadRequest', message: 'not supported by this stand-in' } });
  }
}

function json(res: ServerResponse, status: number, body: unknown): ServerResponse {
  return res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
