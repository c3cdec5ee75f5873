/**
 * `zoho-backup-notifier demo`: the product's main job on an embedded default. Starts the Zoho
 * sandbox and local Slack/Teams receivers, then runs real checks through a short story and
 * prints the messages as the receivers get them. Nothing leaves this machine.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_MODULES } from '../sandbox/backupFiles';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { archiveInFolder } from '../shared/archive/folderRun';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { createRuntime } from '../shared/runtime';
import { type CheckOutcome, runCheck } from '../shared/watch';
import { renderForTerminal } from './render';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The story's clock: each chapter moves it on, and every check reads it, so a week can pass in a second. */
interface Chapter {
  title: string;
  /** How far the clock moves before this chapter. */
  after: number;
  happen: (zoho: ZohoSandbox, now: number) => void;
  expect: CheckOutcome;
}

const STORY: Chapter[] = [
  { title: 'No backup has run yet', after: 0, happen: () => {}, expect: 'no-backup' },
  {
    title: 'The weekly backup completes (2 data parts, 1 attachments part)',
    after: 0,
    happen: (zoho, now) => zoho.completeBackup({ at: new Date(now - 2 * HOUR), dataParts: 2, attachmentParts: 1 }),
    expect: 'announced',
  },
  {
    title: 'Ten minutes later: nothing new (one Zoho call, no token refresh)',
    after: 10 * MINUTE,
    happen: () => {},
    expect: 'nothing-new',
  },
  {
    title: 'Someone revokes the refresh token in Zoho: the monitor says so at once',
    after: 10 * MINUTE,
    happen: (zoho) => {
      zoho.revokeAccessTokens();
      zoho.revokeRefreshToken();
    },
    expect: 'failed',
  },
  {
    title: 'A new refresh token is set (zoho-backup-notifier auth): the monitor says it recovered',
    after: HOUR,
    happen: (zoho) => zoho.restoreRefreshToken(),
    expect: 'nothing-new',
  },
  {
    title: "A week later, next week's backup completes",
    after: 7 * DAY,
    happen: (zoho, now) => zoho.completeBackup({ at: new Date(now - HOUR), dataParts: 1, attachmentParts: 1 }),
    expect: 'announced',
  },
  {
    title: 'The week after, someone mass-deletes 500 Contacts before the backup: the data-loss alarm',
    after: 7 * DAY,
    happen: (zoho, now) =>
      zoho.completeBackup({ at: new Date(now - HOUR), dataParts: 1, attachmentParts: 1, records: { ...SANDBOX_MODULES, Contacts: 310 } }),
    expect: 'announced',
  },
  {
    title: 'The backup after that fails (an alert, sent once)',
    after: 7 * DAY,
    happen: (zoho, now) => zoho.failBackup(new Date(now - 10 * MINUTE)),
    expect: 'nothing-new',
  },
];

const NEXT_STEPS = `Next, with your own Zoho org (README "From zero to a first message"):
  npx zoho-backup-notifier auth --code <grant code>   turn a Self Client grant code into a refresh token
  npx zoho-backup-notifier test-notify                check that Slack and Teams take messages
  npx zoho-backup-notifier check                      announce the latest backup
  npx zoho-backup-notifier inspect <zip>...           check downloaded parts and count their records`;

export async function runDemo(out: (text: string) => void): Promise<number> {
  const zoho = await ZohoSandbox.start();
  const chat = await WebhookReceiver.start();
  const dir = mkdtempSync(join(tmpdir(), 'zoho-backup-demo-'));
  chat.onMessage = (message) => out(indent(renderForTerminal(message.channel, message.body)));
  const archiveDir = join(dir, 'archive');
  mkdirSync(archiveDir);
  try {
    const config = loadConfig({
      ...zoho.settings,
      ZOHO_ORG_NAME: 'Zylker (demo)',
      SLACK_WEBHOOK_URL: chat.slackUrl,
      TEAMS_WEBHOOK_URL: chat.teamsUrl,
      STATE_FILE: join(dir, 'state.json'),
      // Each announced backup is archived into this folder, verified, and its records counted.
      ARCHIVE_DIR: archiveDir,
      ZOHO_DOWNLOAD_HOSTS: zoho.url,
    });
    out(`Zoho sandbox on ${zoho.url}; Slack and Teams receivers on this machine; state in ${dir}\n`);
    let failures = 0;
    let clock = Date.now();
    for (const [i, chapter] of STORY.entries()) {
      clock += chapter.after;
      chapter.happen(zoho, clock);
      out(`${i + 1}. ${chapter.title}`);
      // A fresh runtime per check, as each timer run in a new process would have.
      const runtime = createRuntime(config, { log: silentLogger });
      const now = () => new Date(clock);
      const report = await runCheck({ ...runtime.watch, log: silentLogger, now });
      const archived = runtime.archive ? await archiveInFolder({ ...runtime.archive, now }, silentLogger, now()) : [];
      const calls = report.zohoCalls;
      const alerts = report.alerts.map((a) => `, alert: ${a.kind}`).join('');
      const parts = archived.length
        ? `, archived ${archived.filter((p) => p.outcome === 'archived').length} of ${archived.length} parts`
        : '';
      out(
        `   -> ${report.outcome}${alerts}${parts} (Zoho calls: ${calls.history + calls.urls + calls.details}, token refreshes: ${calls.tokenRefreshes})\n`,
      );
      if (report.outcome !== chapter.expect) failures += 1;
    }
    out(
      failures === 0 ? 'Demo finished: every check did what the story expected.' : `Demo finished with ${failures} unexpected outcome(s).`,
    );
    out(`\n${NEXT_STEPS}`);
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
