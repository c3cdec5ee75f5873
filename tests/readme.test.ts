/**
 * The README's "From zero to a first message" block, run as written by sh in a fresh folder,
 * against the sandbox: a user without a Zoho account exports the sandbox's settings and types
 * the block. `auth` opens the sandbox's consent page, which "the browser" (real HTTP) accepts.
 * Only the block's first line (npm ci && npm run build) is left out: npm test has just done it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { answerConsent } from './support/consent';
import { tempFolders } from './support/tempFolders';
import { hoursAgo } from './support/world';

const tempFolder = tempFolders();
const root = join(__dirname, '..');

function fromZeroBlock(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### From zero to a first message'));
  const block = /```bash\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block) throw new Error('README: no bash block under "From zero to a first message"');
  return block.split('\n');
}

/** A folder like a checkout after `npm ci && npm run build`: this package's bin, so `npx zoho-backup-notifier` runs it. */
function checkoutLike(): string {
  const folder = tempFolder('readme-');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; bin: unknown };
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, private: true, bin: pkg.bin }));
  symlinkSync(join(root, 'dist'), join(folder, 'dist'));
  mkdirSync(join(folder, 'node_modules'));
  return folder;
}

describe("the README's first hour", () => {
  it('"From zero to a first message" runs as written against the sandbox, auth included', async () => {
    const [first, ...lines] = fromZeroBlock();
    expect(first).toBe('npm ci && npm run build');
    expect(lines.some((l) => l.startsWith('npx zoho-backup-notifier auth'))).toBe(true);
    const [zoho, chat] = await Promise.all([ZohoSandbox.start(), WebhookReceiver.start()]);
    try {
      zoho.completeBackup({ at: hoursAgo(1) });
      const cwd = checkoutLike();
      // What the user exports from `zoho-backup-notifier sandbox`: everything but a refresh token, which auth gets.
      const { ZOHO_REFRESH_TOKEN: refreshToken, ...sandbox } = zoho.settings;
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? cwd,
        ...sandbox,
        SLACK_WEBHOOK_URL: chat.slackUrl,
        TEAMS_WEBHOOK_URL: chat.teamsUrl,
      };
      const shell = spawn('sh', ['-e', '-c', lines.join('\n')], { cwd, env });
      let output = '';
      let answered = false;
      const consented = new Promise<void>((resolve, reject) => {
        const look = (data: Buffer) => {
          output += data.toString();
          const link = /(http:\/\/\S+\/oauth\/v2\/auth\?\S+)/.exec(output)?.[1];
          if (!link || answered) return;
          answered = true;
          answerConsent(new URL(link), 'accept').then(() => resolve(), reject);
        };
        shell.stdout.on('data', look);
        shell.stderr.on('data', look);
      });
      const code = await new Promise<number>((resolve) => shell.on('exit', (c) => resolve(c ?? -1)));
      await consented;
      expect({ code, output }).toMatchObject({ code: 0 });

      expect(readFileSync(join(cwd, '.env'), 'utf8')).toContain(`ZOHO_REFRESH_TOKEN=${refreshToken}`);
      const slack = chat.received('slack').map((m) => JSON.stringify(m.body));
      expect(slack).toEqual([expect.stringContaining('Test message'), expect.stringContaining('backup is ready')]);
      expect(chat.received('teams')).toHaveLength(2);
      expect(output).toContain('The token works');
      expect(output).toMatch(/Check: dry-run[\s\S]*slack: would-send[\s\S]*Check: announced[\s\S]*Last backup: completed/);
      for (const secret of [refreshToken ?? '', zoho.settings.ZOHO_CLIENT_SECRET ?? '', ...zoho.issuedAccessTokens])
        expect(output).not.toContain(secret);
    } finally {
      await Promise.all([zoho.close(), chat.close()]);
    }
  });
});
