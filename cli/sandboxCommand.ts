/**
 * `zoho-backup-notifier sandbox`: the Zoho stand-in and local Slack/Teams receivers, running
 * until Ctrl-C, so that every other command can be tried without a Zoho account. It prints
 * the settings that point the CLI at it, every message as it arrives, and takes one-letter
 * commands on its input to make things happen in the stand-in org.
 */
import { createInterface } from 'node:readline';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { renderForTerminal } from './render';

const KEYS = `Keys (then Enter): c = a backup completes, f = a backup fails, s = someone stops the schedule,
r = revoke the refresh token, t = restore it, q = quit (or Ctrl-C)`;

export async function runSandbox(out: (text: string) => void, input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const [zoho, chat] = await Promise.all([ZohoSandbox.start(), WebhookReceiver.start()]);
  chat.onMessage = (message) => out(`\n${renderForTerminal(message.channel, message.body)}\n`);
  const settings = { ...zoho.settings, SLACK_WEBHOOK_URL: chat.slackUrl, TEAMS_WEBHOOK_URL: chat.teamsUrl };
  out('Zoho sandbox, Slack and Teams receivers on this machine. Put these in .env (or export them), then run');
  out('"npx zoho-backup-notifier check" (or auth, test-notify, status, inspect) in another terminal:\n');
  out(
    `${Object.entries(settings)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n')}\n`,
  );
  out(KEYS);
  const actions: Record<string, () => string> = {
    c: () => `a backup completed (history ${zoho.completeBackup({ at: new Date(Date.now() - 60_000) }).historyId})`,
    f: () => `a backup failed (history ${zoho.failBackup(new Date())})`,
    s: () => `the schedule was stopped (history ${zoho.stopSchedule(new Date())})`,
    r: () => {
      zoho.revokeAccessTokens();
      zoho.revokeRefreshToken();
      return 'the refresh token was revoked';
    },
    t: () => {
      zoho.restoreRefreshToken();
      return 'the refresh token works again';
    },
  };
  const lines = createInterface({ input });
  // Without a terminal ("sandbox > file &", a service), input ends at once: run until a signal.
  const interactive = (input as { isTTY?: boolean }).isTTY === true;
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    if (interactive) lines.on('close', resolve);
    lines.on('line', (line) => {
      const key = line.trim().toLowerCase();
      if (key === 'q') return resolve();
      const action = actions[key];
      out(action ? `> ${action()}` : `> unknown key '${key}'. ${KEYS}`);
    });
  });
  await stop;
  lines.close();
  await Promise.all([zoho.close(), chat.close()]);
  out('Sandbox stopped.');
  return 0;
}
