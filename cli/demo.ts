/**
 * `zoho-backup-notifier demo`: the product's main job on an embedded default. Starts the Zoho
 * sandbox and local Slack/Teams receivers, then runs real checks through a short story and
 * prints the messages as the receivers get them. Nothing leaves this machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { createRuntime } from '../shared/runtime';
import { type CheckOutcome, runCheck } from '../shared/watch';
import { renderForTerminal } from './render';

const HOUR = 3_600_000;

interface Chapter {
  title: string;
  happen: (zoho: ZohoSandbox) => void;
  expect: CheckOutcome;
}

const STORY: Chapter[] = [
  { title: 'No backup has run yet', happen: () => {}, expect: 'no-backup' },
  {
    title: 'The weekly backup completes (2 data parts, 1 attachments part)',
    happen: (zoho) => zoho.completeBackup({ at: new Date(Date.now() - 2 * HOUR), dataParts: 2, attachmentParts: 1 }),
    expect: 'announced',
  },
  { title: 'Ten minutes later: nothing new (one Zoho call, no token refresh)', happen: () => {}, expect: 'nothing-new' },
  {
    title: "Next week's backup completes",
    happen: (zoho) => zoho.completeBackup({ at: new Date(Date.now() - HOUR), dataParts: 1, attachmentParts: 1 }),
    expect: 'announced',
  },
  {
    title: 'The backup after that fails (an alert, sent once)',
    happen: (zoho) => zoho.failBackup(new Date()),
    expect: 'nothing-new',
  },
];

export async function runDemo(out: (text: string) => void): Promise<number> {
  const zoho = await ZohoSandbox.start();
  const chat = await WebhookReceiver.start();
  const dir = mkdtempSync(join(tmpdir(), 'zoho-backup-demo-'));
  chat.onMessage = (message) => out(indent(renderForTerminal(message.channel, message.body)));
  try {
    const config = loadConfig({
      ...zoho.settings,
      ZOHO_ORG_NAME: 'Zylker (demo)',
      SLACK_WEBHOOK_URL: chat.slackUrl,
      TEAMS_WEBHOOK_URL: chat.teamsUrl,
      STATE_FILE: join(dir, 'state.json'),
    });
    out(`Zoho sandbox on ${zoho.url}; Slack and Teams receivers on this machine; state in ${dir}\n`);
    let failures = 0;
    for (const [i, chapter] of STORY.entries()) {
      chapter.happen(zoho);
      out(`${i + 1}. ${chapter.title}`);
      // A fresh runtime per check, as each timer run in a new process would have.
      const runtime = createRuntime(config, { log: silentLogger });
      const report = await runCheck({ ...runtime.watch, log: silentLogger });
      const calls = report.zohoCalls;
      const alerts = report.alerts.map((a) => `, alert: ${a.kind}`).join('');
      out(
        `   -> ${report.outcome}${alerts} (Zoho calls: ${calls.history + calls.urls + calls.details}, token refreshes: ${calls.tokenRefreshes})\n`,
      );
      if (report.outcome !== chapter.expect) failures += 1;
    }
    out(
      failures === 0 ? 'Demo finished: every check did what the story expected.' : `Demo finished with ${failures} unexpected outcome(s).`,
    );
    return failures === 0 ? 0 : 1;
  } finally {
    await Promise.all([zoho.close(), chat.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `   | ${line}`)
    .join('\n');
}
