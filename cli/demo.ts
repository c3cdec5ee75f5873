/**
 * `zoho-backup-notifier demo`: the product's main job on an embedded default. Starts the Zoho
 * sandbox and local Slack/Teams receivers, then runs real checks through a short story and
 * prints the messages as the receivers get them. Nothing leaves this machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ReceivedMessage, WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { createRuntime } from '../shared/runtime';
import { type CheckOutcome, runCheck } from '../shared/watch';

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
  chat.onMessage = (message) => out(indent(renderForTerminal(message)));
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

/** What a person would see, roughly: Slack's blocks or the Teams card as plain lines. */
function renderForTerminal(message: ReceivedMessage): string {
  return message.channel === 'slack' ? renderSlack(message.body) : renderTeams(message.body);
}

/** The parts of our own Block Kit payload the demo prints. */
interface SlackBlock {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text: string | { text: string }; url?: string }>;
}

function renderSlack(body: unknown): string {
  const lines = ['[Slack]'];
  const elementText = (e: { text: string | { text: string }; url?: string }) =>
    typeof e.text === 'string' ? `(${e.text})` : `[${e.text.text}] ${e.url}`;
  for (const block of (body as { blocks: SlackBlock[] }).blocks) {
    if (block.type === 'header') lines.push(`== ${block.text?.text} ==`);
    if (block.type === 'section' && block.text) lines.push(block.text.text);
    if (block.type === 'section' && block.fields) lines.push(...block.fields.map((f) => f.text.replace('\n', ' ')));
    if (block.type === 'actions' || block.type === 'context') lines.push(...(block.elements ?? []).map(elementText));
  }
  return lines.join('\n');
}

/** The parts of our own Adaptive Card the demo prints. */
interface CardItem {
  type: string;
  text?: string;
  facts?: Array<{ title: string; value: string }>;
}

function renderTeams(body: unknown): string {
  const [attachment] = (body as { attachments: Array<{ content: { body: CardItem[] } }> }).attachments;
  const lines = ['[Teams]'];
  for (const item of attachment?.content.body ?? []) {
    if (item.type === 'TextBlock' && item.text) lines.push(item.text);
    if (item.type === 'FactSet') lines.push(...(item.facts ?? []).map((f) => `${f.title}: ${f.value}`));
  }
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `   | ${line}`)
    .join('\n');
}
