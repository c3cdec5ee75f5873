import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { SANDBOX_ADMIN, ZOHO_ERRORS, ZohoSandbox } from '../sandbox/zohoSandbox';
import { DATA_CENTRES, resolveZohoHosts } from '../shared/zoho/datacentres';
import {
  type ZohoApiError,
  ZohoCredentialsError,
  ZohoInternalError,
  ZohoInvalidMethodError,
  ZohoInvalidTokenError,
  ZohoInvalidUrlError,
  ZohoNoPermissionError,
  ZohoRateLimitError,
  ZohoResponseError,
  ZohoScopeMismatchError,
  ZohoUnreachableError,
} from '../shared/zoho/errors';
import { MemoryTokenCache } from '../shared/zoho/tokens';
import { zohoStack } from './support/zoho';

const day = 86_400_000;
let sandbox: ZohoSandbox;

beforeEach(async () => {
  sandbox = await ZohoSandbox.start();
});
afterEach(async () => {
  await sandbox.close();
});

describe('data centres', () => {
  it.each([
    ['us', 'https://accounts.zoho.com', 'https://www.zohoapis.com'],
    ['eu', 'https://accounts.zoho.eu', 'https://www.zohoapis.eu'],
    ['in', 'https://accounts.zoho.in', 'https://www.zohoapis.in'],
    ['au', 'https://accounts.zoho.com.au', 'https://www.zohoapis.com.au'],
    ['jp', 'https://accounts.zoho.jp', 'https://www.zohoapis.jp'],
    ['ca', 'https://accounts.zohocloud.ca', 'https://www.zohoapis.ca'],
    ['cn', 'https://accounts.zoho.com.cn', 'https://www.zohoapis.com.cn'],
    ['sa', 'https://accounts.zoho.sa', 'https://www.zohoapis.sa'],
  ] as const)('%s maps to its accounts server and API domain', (dc, accountsUrl, apiDomain) => {
    expect(resolveZohoHosts(dc)).toEqual({ accountsUrl, apiDomain });
  });

  it('lets explicit overrides win, without a trailing slash, and says the API domain was explicit', () => {
    expect(resolveZohoHosts('eu', { apiDomain: 'http://127.0.0.1:9999/' })).toEqual({
      accountsUrl: DATA_CENTRES.eu.accountsUrl,
      apiDomain: 'http://127.0.0.1:9999',
      explicitApiDomain: 'http://127.0.0.1:9999',
    });
    expect(resolveZohoHosts('eu').explicitApiDomain).toBeUndefined();
  });
});

describe('access tokens', () => {
  it('mints one token and reuses it across calls', async () => {
    const { client, tokens } = zohoStack(sandbox);
    await client.listHistory();
    await client.getDownloadUrls();
    await client.getBackupDetails();
    expect(sandbox.tokensMinted).toBe(1);
    expect(tokens.mintedCount).toBe(1);
  });

  it('reuses a token kept in the cache by an earlier run', async () => {
    const cache = new MemoryTokenCache();
    await zohoStack(sandbox, { cache }).client.listHistory();
    await zohoStack(sandbox, { cache }).client.listHistory();
    expect(sandbox.tokensMinted).toBe(1);
  });

  it('does not reuse a cached token minted for another refresh token', async () => {
    const cache = new MemoryTokenCache();
    await zohoStack(sandbox, { cache }).client.listHistory();
    const saved = await cache.load();
    await cache.save({ ...saved!, credentialFingerprint: 'someone-else' });
    await zohoStack(sandbox, { cache }).client.listHistory();
    expect(sandbox.tokensMinted).toBe(2);
  });

  it('shares one refresh among 20 concurrent callers', async () => {
    const { client } = zohoStack(sandbox);
    await Promise.all(Array.from({ length: 20 }, () => client.getDownloadUrls()));
    expect(sandbox.tokensMinted).toBe(1);
    expect(sandbox.countRequests('token')).toBe(1);
  });

  it('explains an invalid refresh token (HTTP 200 invalid_code) and how to make a new one', async () => {
    sandbox.revokeRefreshToken();
    const error = await zohoStack(sandbox)
      .client.listHistory()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZohoCredentialsError);
    expect(error).toMatchObject({ code: 'ZOHO_INVALID_REFRESH_TOKEN' });
    expect((error as ZohoCredentialsError).hint).toMatch(/Self Client/);
    expect((error as ZohoCredentialsError).hint).toMatch(/ZOHO_REFRESH_TOKEN/);
    expect(sandbox.countRequests('backup/history')).toBe(0);
  });

  it('names the client credentials when Zoho answers invalid_client', async () => {
    sandbox.inject({ endpoint: 'token', tokenError: 'invalid_client' });
    await expect(zohoStack(sandbox).client.listHistory()).rejects.toMatchObject({
      code: 'ZOHO_INVALID_CLIENT',
      hint: expect.stringMatching(/ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET/),
    });
  });

  it('says to wait when Zoho refuses more tokens (Access Denied)', async () => {
    sandbox.inject({ endpoint: 'token', status: 400, tokenError: 'Access Denied' });
    await expect(zohoStack(sandbox).client.listHistory()).rejects.toMatchObject({ code: 'ZOHO_TOKEN_RATE_LIMITED' });
  });

  it('replaces a revoked access token once and retries the call once', async () => {
    const { client } = zohoStack(sandbox);
    await client.listHistory();
    sandbox.revokeAccessTokens();
    await client.listHistory();
    expect(sandbox.tokensMinted).toBe(2);
    expect(sandbox.requests.filter((r) => r.endpoint === 'backup/history').map((r) => r.status)).toEqual([204, 401, 204]);
  });

  it('gives up after one replacement when Zoho keeps refusing the token', async () => {
    sandbox.inject({ endpoint: 'backup/urls', code: 'INVALID_TOKEN', times: 2 });
    const { client } = zohoStack(sandbox);
    await expect(client.getDownloadUrls()).rejects.toBeInstanceOf(ZohoInvalidTokenError);
    expect(sandbox.tokensMinted).toBe(2);
    expect(sandbox.countRequests('backup/urls')).toBe(2);
  });
});

describe('backup API', () => {
  it('reads the backup details', async () => {
    sandbox.backup = {
      id: '4876876000001593003',
      scheduled_date: '2022-07-26T09:58:45+05:30',
      start_date: '2022-07-12T12:30:00+05:30',
      rrule: 'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU',
      requester: SANDBOX_ADMIN,
      status: 'SCHEDULED',
    };
    await expect(zohoStack(sandbox).client.getBackupDetails()).resolves.toMatchObject({
      status: 'SCHEDULED',
      rrule: expect.stringContaining('WEEKLY'),
    });
  });

  it.each(['desc', 'asc'] as const)('reads every history row across pages (%s order)', async (historyOrder) => {
    const paged = await ZohoSandbox.start({ historyOrder, maxPerPage: 3 });
    try {
      for (let week = 0; week < 4; week += 1) paged.completeBackup({ at: new Date(Date.UTC(2026, 9, 1 + 7 * week)) });
      const { client } = zohoStack(paged);
      const rows = await client.listHistory();
      expect(rows).toHaveLength(8);
      expect(new Set(rows.map((r) => r.id)).size).toBe(8);
      expect(paged.requests.filter((r) => r.endpoint === 'backup/history').map((r) => r.query.page)).toEqual(['1', '2', '3']);
      expect(client.calls['backup/history']).toBe(3);
    } finally {
      await paged.close();
    }
  });

  it("asks for 200 rows a page, Zoho's maximum", async () => {
    sandbox.completeBackup({ at: new Date() });
    await zohoStack(sandbox).client.listHistory();
    expect(sandbox.requests.find((r) => r.endpoint === 'backup/history')?.query).toEqual({ page: '1', per_page: '200' });
  });

  it('treats 204 from history as no backups and from urls as no links', async () => {
    const { client } = zohoStack(sandbox);
    await expect(client.listHistory()).resolves.toEqual([]);
    await expect(client.getDownloadUrls()).resolves.toBeNull();
    sandbox.completeBackup({ at: new Date(), linksPending: true });
    await expect(client.getDownloadUrls()).resolves.toBeNull();
    sandbox.publishLinks();
    await expect(client.getDownloadUrls()).resolves.toMatchObject({ data_links: [expect.stringContaining('Data_001.zip')] });
  });

  it('returns the download links and their expiry date', async () => {
    const at = new Date('2026-11-20T10:00:00Z');
    sandbox.completeBackup({ at, dataParts: 2, attachmentParts: 1 });
    const urls = await zohoStack(sandbox).client.getDownloadUrls();
    expect(urls?.data_links.map((u) => u.split('/').pop())).toEqual(['Data_001.zip', 'Data_002.zip']);
    expect(urls?.attachment_links).toHaveLength(1);
    expect(Date.parse(urls!.expiry_date)).toBe(at.getTime() + 7 * day);
  });
});

describe('errors and retries', () => {
  it.each([
    ['INVALID_URL_PATTERN', ZohoInvalidUrlError],
    ['OAUTH_SCOPE_MISMATCH', ZohoScopeMismatchError],
    ['NO_PERMISSION', ZohoNoPermissionError],
    ['INVALID_REQUEST_METHOD', ZohoInvalidMethodError],
  ] as const)('turns %s into its own error with a hint', async (code, errorClass) => {
    sandbox.inject({ endpoint: 'backup/history', code });
    const error = await zohoStack(sandbox)
      .client.listHistory()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ code, status: ZOHO_ERRORS[code].status, endpoint: 'backup/history' });
    expect((error as ZohoApiError).message).toContain(code);
    expect((error as ZohoApiError).hint.length).toBeGreaterThan(20);
    expect(sandbox.countRequests('backup/history')).toBe(1); // not retried: a person must fix it
  });

  it('says which scope to grant on OAUTH_SCOPE_MISMATCH', async () => {
    sandbox.inject({ endpoint: 'backup/urls', code: 'OAUTH_SCOPE_MISMATCH' });
    await expect(zohoStack(sandbox).client.getDownloadUrls()).rejects.toMatchObject({
      hint: expect.stringContaining('ZohoCRM.bulk.backup.READ'),
    });
  });

  it('waits out a 429 for as long as Retry-After asks, then succeeds', async () => {
    sandbox.inject({ endpoint: 'backup/history', code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 1 });
    const asked: number[] = [];
    const sleep = async (ms: number) => {
      asked.push(ms);
    };
    await expect(zohoStack(sandbox, { http: { sleep } }).client.listHistory()).resolves.toEqual([]);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeGreaterThanOrEqual(1000);
    expect(sandbox.requests.filter((r) => r.endpoint === 'backup/history').map((r) => r.status)).toEqual([429, 204]);
  });

  it('does not sleep through a Retry-After longer than allowed: it fails now', async () => {
    sandbox.inject({ endpoint: 'backup/history', code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 600 });
    await expect(zohoStack(sandbox).client.listHistory()).rejects.toBeInstanceOf(ZohoRateLimitError);
    expect(sandbox.countRequests('backup/history')).toBe(1);
  });

  it('does not wait out a Retry-After that would end past the call deadline: it fails now with the answer', async () => {
    sandbox.inject({ endpoint: 'backup/history', code: 'INTERNAL_ERROR', retryAfterSeconds: 25 });
    const asked: number[] = [];
    const sleep = async (ms: number) => {
      asked.push(ms);
    };
    const { client } = zohoStack(sandbox, { http: { sleep, totalTimeoutMs: 20_000, maxRetryAfterMs: 30_000 } });
    await expect(client.listHistory()).rejects.toBeInstanceOf(ZohoInternalError);
    expect(asked).toEqual([]);
    expect(sandbox.countRequests('backup/history')).toBe(1);
  });

  it('retries 5xx a bounded number of times, then fails with INTERNAL_ERROR', async () => {
    sandbox.inject({ endpoint: 'backup/urls', code: 'INTERNAL_ERROR', times: 10 });
    const { client } = zohoStack(sandbox);
    await expect(client.getDownloadUrls()).rejects.toBeInstanceOf(ZohoInternalError);
    expect(sandbox.countRequests('backup/urls')).toBe(3);
    expect(client.calls['backup/urls']).toBe(3);
  });

  it('retries a dropped connection and reports ZOHO_UNREACHABLE when it keeps dropping', async () => {
    sandbox.inject({ endpoint: 'backup/history', dropConnection: true, times: 10 });
    await expect(zohoStack(sandbox).client.listHistory()).rejects.toBeInstanceOf(ZohoUnreachableError);
    expect(sandbox.countRequests('backup/history')).toBe(3);
  });

  it('times out a call that never answers, and retries it', async () => {
    sandbox.inject({ endpoint: 'backup/history', hang: true });
    await expect(zohoStack(sandbox, { http: { timeoutMs: 50 } }).client.listHistory()).resolves.toEqual([]);
    expect(sandbox.countRequests('backup/history')).toBe(2);
  });

  it('reports a 200 that is not JSON with the endpoint and what came back', async () => {
    sandbox.inject({ endpoint: 'backup/history', status: 200, body: '<html>maintenance</html>', contentType: 'text/html' });
    const error = await zohoStack(sandbox)
      .client.listHistory()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZohoResponseError);
    expect((error as Error).message).toBe(
      'Zoho backup/history answered something unexpected: HTTP 200 with a body that is not JSON (text/html)',
    );
  });

  it('names the missing field when an answer does not match the schema', async () => {
    sandbox.inject({
      endpoint: 'backup/urls',
      status: 200,
      body: JSON.stringify({ urls: { data_links: [] } }),
      contentType: 'application/json',
    });
    await expect(zohoStack(sandbox).client.getDownloadUrls()).rejects.toThrow(/backup\/urls .*urls\.expiry_date/);
  });

  it('never follows a redirect, so the token cannot leave for another host', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers);
      res.end('{}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal`;
    sandbox.inject({ endpoint: 'backup/urls', status: 302, body: '', headers: { Location: target } });
    await expect(zohoStack(sandbox).client.getDownloadUrls()).rejects.toMatchObject({ code: 'ZOHO_HTTP_302' });
    expect(seen).toHaveLength(0);
    await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
  });

  it('sends the token only to the API paths and the credentials only to the token endpoint', async () => {
    sandbox.completeBackup({ at: new Date() });
    const { client } = zohoStack(sandbox);
    await client.listHistory();
    await client.getDownloadUrls();
    for (const request of sandbox.requests) {
      if (request.endpoint === 'token') expect(request.authorization).toBeUndefined();
      else expect(request.authorization).toMatch(/^Zoho-oauthtoken 1000\./);
    }
  });
});

describe('secrets', () => {
  it('never puts a secret or token in an error, its serialisation or a retry log line', async () => {
    const secrets = await ZohoSandbox.start({
      credentials: {
        clientId: '1000.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123',
        clientSecret: 'f3a9c1d2e4b5a6978877665544332211ffeeddccbb',
        refreshToken: '1000.9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d.1f2e3d4c5b6a79881726354453627180',
      },
    });
    const lines: string[] = [];
    try {
      secrets.completeBackup({ at: new Date() });
      const run = () => zohoStack(secrets, { http: { onRetry: (r) => lines.push(JSON.stringify(r)) } }).client;
      const failures: unknown[] = [];
      const scenarios: Array<() => void> = [
        () => secrets.inject({ endpoint: 'backup/history', code: 'OAUTH_SCOPE_MISMATCH' }),
        () => secrets.inject({ endpoint: 'backup/history', code: 'INTERNAL_ERROR', times: 5 }),
        () => secrets.inject({ endpoint: 'backup/history', dropConnection: true, times: 5 }),
        () => secrets.inject({ endpoint: 'backup/history', status: 200, body: 'not json', contentType: 'text/plain' }),
        () => secrets.inject({ endpoint: 'token', tokenError: 'invalid_code' }),
        () => secrets.inject({ endpoint: 'backup/urls', code: 'INVALID_TOKEN', times: 2 }),
      ];
      for (const inject of scenarios) {
        inject();
        const client = run();
        failures.push(
          await client
            .listHistory()
            .then(() => client.getDownloadUrls())
            .catch((e: unknown) => e),
        );
      }
      const tokens = [...new Set(secrets.requests.map((r) => r.authorization?.split(' ')[1]).filter(Boolean))] as string[];
      const forbidden = [...Object.values(secrets.clientCredentials).slice(1), ...tokens];
      expect(tokens.length).toBeGreaterThan(0);
      const text = [
        ...lines,
        ...failures.flatMap((e) => [String(e), (e as Error).stack ?? '', JSON.stringify(e), inspect(e, { depth: 5 })]),
      ].join('\n');
      expect(failures.every((e) => e instanceof Error)).toBe(true);
      for (const secret of forbidden) expect(text).not.toContain(secret);
    } finally {
      await secrets.close();
    }
  });
});
