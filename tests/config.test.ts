import { ConfigError, loadConfig, secretsOf } from '../shared/config';
import { DEFAULTS } from '../shared/defaults';

const valid = {
  ZOHO_CLIENT_ID: '1000.CLIENTID',
  ZOHO_CLIENT_SECRET: 'a-very-secret-client-secret',
  ZOHO_REFRESH_TOKEN: '1000.refresh.token.value',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/abcdef',
  STATE_FILE: '/tmp/state.json',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.zoho).toMatchObject({
      dc: 'us',
      accountsUrl: 'https://accounts.zoho.com',
      apiDomain: 'https://www.zohoapis.com',
      apiVersion: 'v8',
    });
    expect(config.schedule).toBe(DEFAULTS.schedule);
    expect(config.timezone).toBe('UTC');
    expect(config.state).toEqual({ kind: 'file', path: '/tmp/state.json' });
  });

  it('maps ZOHO_DC to its hosts and lets explicit hosts win', () => {
    expect(loadConfig({ ...valid, ZOHO_DC: 'eu' }).zoho.apiDomain).toBe('https://www.zohoapis.eu');
    const overridden = loadConfig({ ...valid, ZOHO_DC: 'eu', ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:4000' });
    expect(overridden.zoho.accountsUrl).toBe('http://127.0.0.1:4000');
    expect(overridden.zoho.apiDomain).toBe('https://www.zohoapis.eu');
  });

  it('names every bad or missing setting at once', () => {
    const problems = problemsOf({ ZOHO_DC: 'mars', NOTIFY_TIMEZONE: 'Mars/Olympus', ZOHO_API_VERSION: '8' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ZOHO_CLIENT_ID is required/),
        expect.stringMatching(/^ZOHO_CLIENT_SECRET is required/),
        expect.stringMatching(/^ZOHO_REFRESH_TOKEN is required: .*ZohoCRM\.bulk\.backup\.READ/),
        'ZOHO_DC must be one of us, eu, in, au, jp, ca, cn, sa',
        expect.stringMatching(/^NOTIFY_TIMEZONE must be an IANA time zone/),
        'ZOHO_API_VERSION must look like v8',
        expect.stringMatching(/^SLACK_WEBHOOK_URL or TEAMS_WEBHOOK_URL/),
        expect.stringMatching(/^STATE_FILE or AzureWebJobsStorage/),
      ]),
    );
    expect(problems).toHaveLength(8);
  });

  it('treats empty settings as unset', () => {
    expect(problemsOf({ ...valid, ZOHO_CLIENT_SECRET: '  ' })).toEqual([expect.stringMatching(/^ZOHO_CLIENT_SECRET is required/)]);
  });

  it('accepts http:// only for loopback hosts', () => {
    expect(() => loadConfig({ ...valid, ZOHO_API_DOMAIN: 'http://localhost:7000' })).not.toThrow();
    expect(() => loadConfig({ ...valid, TEAMS_WEBHOOK_URL: 'http://[::1]:7000/teams' })).not.toThrow();
    expect(problemsOf({ ...valid, ZOHO_API_DOMAIN: 'http://zohoapis.example.com' })).toEqual([
      expect.stringMatching(/^ZOHO_API_DOMAIN must be an https:\/\/ URL \(http:\/\/ only for localhost\)/),
    ]);
  });

  it('never repeats a secret value in its message', () => {
    const slack = 'http://hooks.example.com/services/T0/B0/SECRETPART';
    const error = (() => {
      try {
        return loadConfig({ ...valid, SLACK_WEBHOOK_URL: slack, ZOHO_DC: valid.ZOHO_CLIENT_SECRET });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain('SECRETPART');
    expect(text).not.toContain(valid.ZOHO_CLIENT_SECRET);
    expect(text).toContain('SLACK_WEBHOOK_URL');
  });

  it('chooses Table storage from a connection string or identity-based settings', () => {
    const base = { ...valid, STATE_FILE: undefined };
    const withString = loadConfig({ ...base, AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
    expect(withString.state).toEqual({
      kind: 'table',
      storage: { kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' },
    });
    const identity = {
      kind: 'identity',
      tableServiceUri: 'https://zohobackupst.table.core.windows.net',
      blobServiceUri: 'https://zohobackupst.blob.core.windows.net',
      queueServiceUri: 'https://zohobackupst.queue.core.windows.net',
      clientId: '00000000-0000-0000-0000-000000000001',
    };
    const withIdentity = loadConfig({
      ...base,
      AzureWebJobsStorage__accountName: 'zohobackupst',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
    });
    expect(withIdentity.state).toEqual({ kind: 'table', storage: identity });
    expect(withIdentity.azureStorage).toEqual(identity);
  });

  it('needs Azure storage for the archive, and reads the download-host override', () => {
    expect(problemsOf({ ...valid, ARCHIVE_ENABLED: 'true' })).toEqual([
      expect.stringMatching(/^ARCHIVE_ENABLED=true needs AzureWebJobsStorage/),
    ]);
    const config = loadConfig({
      ...valid,
      ARCHIVE_ENABLED: 'true',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      ZOHO_DOWNLOAD_HOSTS: 'http://127.0.0.1:9000/, https://download.example.com',
    });
    expect(config.archive).toMatchObject({
      enabled: true,
      container: 'archive',
      downloadOrigins: ['http://127.0.0.1:9000', 'https://download.example.com'],
    });
    expect(problemsOf({ ...valid, ZOHO_DOWNLOAD_HOSTS: 'http://evil.example.com' })).toEqual([
      expect.stringMatching(/^ZOHO_DOWNLOAD_HOSTS must be/),
    ]);
  });

  it.each([
    ['True', true],
    ['False', false],
    ['TRUE', true],
    [' false ', false],
    ['true\n', true],
  ])('reads ARCHIVE_ENABLED=%j as ARM, the portal or a pasted file render it', (value, enabled) => {
    const config = loadConfig({ ...valid, ARCHIVE_ENABLED: value, AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
    expect(config.archive.enabled).toBe(enabled);
  });

  it('refuses a boolean it cannot read instead of taking it as false', () => {
    expect(problemsOf({ ...valid, ARCHIVE_ENABLED: 'yes' })).toEqual(['ARCHIVE_ENABLED must be true or false']);
  });

  it('reads integers and data centres with surrounding whitespace and in any case, as ARM and the portal write them', () => {
    const config = loadConfig({ ...valid, ALERT_AFTER_FAILURES: ' 5 ', ZOHO_DC: 'EU ' });
    expect(config.alerts.alertAfterFailures).toBe(5);
    expect(config.zoho.dc).toBe('eu');
    expect(config.zoho.apiDomain).toBe('https://www.zohoapis.eu');
  });

  it('lists the secrets so loggers can scrub them', () => {
    expect(secretsOf(loadConfig(valid)).sort()).toEqual(
      [valid.ZOHO_CLIENT_SECRET, valid.ZOHO_REFRESH_TOKEN, valid.SLACK_WEBHOOK_URL].sort(),
    );
  });
});
