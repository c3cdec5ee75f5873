/**
 * The third adversarial round (issue "Nothing lost, nothing leaked, nothing hangs"): each
 * defect found by attacking the command line and the functions, through the command line as a
 * child process or through the function handlers, over real sockets and the real file system.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { cli } from './support/cli';
import { hoursAgo } from './support/world';

let zoho: ZohoSandbox;
let chat: WebhookReceiver;
let cwd: string;
let env: Record<string, string>;

beforeEach(async () => {
  zoho = await ZohoSandbox.start();
  chat = await WebhookReceiver.start();
  cwd = mkdtempSync(join(tmpdir(), 'adversarial3-'));
  env = { ...zoho.settings, SLACK_WEBHOOK_URL: chat.slackUrl };
});
afterEach(async () => {
  await Promise.all([zoho.close(), chat.close()]);
});

const titles = () => chat.received('slack').map((m) => (m.body as { blocks?: Array<{ text?: { text?: string } }> }).blocks?.[0]?.text?.text);

describe('#1 losses: a failed immediate backup', () => {
  it('is alerted once, although its history row has no log_time', async () => {
    zoho.completeBackup({ at: hoursAgo(48) });
    expect((await cli(['check'], env, cwd)).code).toBe(0);
    zoho.failImmediateBackup();

    const run = await cli(['check'], env, cwd);
    expect(run.code).toBe(0);
    expect(titles()).toEqual(['Zoho CRM backup ready', 'Zoho CRM backup failed']);
    const alert = JSON.stringify(chat.received('slack')[1]!.body);
    expect(alert).toContain('an immediate backup: Zoho records no time for it');

    expect((await cli(['check'], env, cwd)).code).toBe(0);
    expect(chat.received('slack')).toHaveLength(2);
  });
});
