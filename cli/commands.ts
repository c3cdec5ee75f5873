/** The commands that work on settings: check, status and test-notify, on the same core as the functions. */

import { archiveInFolder } from '../shared/archive/folderRun';
import { mapWithConcurrency } from '../shared/concurrency';
import { loadConfig } from '../shared/config';
import { hasOrgsFile, loadOrgConfigs, orgNamesInFile } from '../shared/config/orgs';
import { loadChannels, loadStatusSettings } from '../shared/config/partial';
import { DEFAULTS } from '../shared/defaults';
import { CodedError, describeError, type SafeError } from '../shared/errors';
import type { Logger } from '../shared/log';
import type { Channel, Notice } from '../shared/notify/notice';
import { sameOrgName } from '../shared/orgName';
import { createNotifiers, createRuntime } from '../shared/runtime';
import { createStateStore } from '../shared/state/createStore';
import { readStatus, statusLineOf } from '../shared/status';
import { checkOrgs } from '../shared/watch/checkOrgs';
import { chooseApiDomain } from '../shared/zoho/datacentres';
import type { CachedToken } from '../shared/zoho/tokens';
import { describeFailure, describeReport, describeSafeError, describeStatus, describeStatusLine } from './describe';
import { refuseMovedState } from './movedState';
import { renderForTerminal } from './render';
import { EXIT } from './usage';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  json: boolean;
  settings: Record<string, string | undefined>;
  log: Logger;
}

export async function checkCommand(io: Io, dryRun: boolean): Promise<number> {
  if (hasOrgsFile(io.settings)) return checkAllOrgs(io, dryRun);
  const runtime = createRuntime(loadConfig(io.settings), { log: io.log, readOnly: dryRun });
  await refuseMovedState(runtime.store, runtime.org.key, process.cwd());
  const report = await runtime.runCheck(io.log, { dryRun });
  // ARCHIVE_DIR: the announced backup goes into the folder before the command exits.
  const archived = !dryRun && runtime.config.archive.dir && runtime.archive ? await archiveInFolder(runtime.archive, runtime.log) : [];
  await runtime.telemetry.flush(); // a short-lived process must send before it exits
  if (io.json) io.out(JSON.stringify(archived.length ? { ...report, archive: archived } : report, null, 2));
  else {
    io.out(describeReport(report, runtime.config.timezone));
    for (const part of archived) io.out(`Archive ${part.file}: ${part.outcome}${part.error ? ` (${part.error})` : ''}`);
    // A dry run shows the messages as people would read them, not just "would-send".
    for (const [channel, payload] of Object.entries(report.preview ?? {})) io.out(`\n${renderForTerminal(channel as Channel, payload)}`);
  }
  if (!report.ok) io.err(describeFailure(report));
  const archiveOk = archived.every((part) => part.outcome === 'archived' || part.outcome === 'already-archived');
  return report.ok && archiveOk ? EXIT.ok : EXIT.failed;
}

/** ZOHO_ORGS_FILE: every org, a few at a time; exit 1 when any org failed, naming each. */
async function checkAllOrgs(io: Io, dryRun: boolean): Promise<number> {
  const configs = loadOrgConfigs(io.settings);
  const [first] = configs;
  if (!first) return EXIT.usage; // loadOrgConfigs never answers an empty list
  const checks = await checkOrgs(configs, { store: createStateStore(first.state), log: io.log, dryRun });
  if (io.json) io.out(JSON.stringify(checks, null, 2));
  else
    io.out(
      checks.map(({ org, report }, i) => `== ${org} ==\n${describeReport(report, configs[i]?.timezone ?? first.timezone)}`).join('\n\n'),
    );
  const failed = checks.filter((c) => !c.report.ok);
  for (const { org, report } of failed) io.err(`${org}: ${describeFailure(report)}`);
  if (failed.length > 0) io.err(`${failed.length} of ${checks.length} orgs failed: ${failed.map((c) => c.org).join(', ')}`);
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * Needs only where the state is kept. One org: its details. Several (every org the store
 * holds, named from ZOHO_ORGS_FILE when it is set): one line each; --org for one's details.
 */
type StatusOrg = Parameters<typeof readStatus>[1];

/**
 * The orgs the state knows (the settings' org, or every org the store holds, named from
 * ZOHO_ORGS_FILE), or the one named: what status and report show. Needs no secret.
 */
export async function orgsOfState(io: Io, orgName?: string) {
  const settings = loadStatusSettings(io.settings);
  const store = createStateStore(settings.state);
  const names = orgNamesInFile(io.settings);
  if (settings.orgKey) names.set(settings.orgKey, settings.orgName);
  const keys = settings.orgKey ? [settings.orgKey] : await store.orgs('watch');
  const legacy = settings.legacyOrgKey ? { key: settings.legacyOrgKey } : undefined;
  const orgs: StatusOrg[] = keys.map((key) => ({ key, name: names.get(key) ?? key, legacy }));
  const chosen = orgName === undefined ? orgs : orgs.filter((o) => sameOrgName(o.name, orgName) || o.key === orgName);
  // A lookup that found nothing, not a setting to fix.
  if (orgName !== undefined && chosen.length === 0)
    throw new CodedError(
      'ORG_UNKNOWN',
      `no org in the state is named ${JSON.stringify(orgName)}`,
      `Run "zoho-backup-notifier status" for the orgs it holds: ${orgs.map((o) => o.name).join(', ') || 'none yet'}.`,
    );
  return { settings, store, chosen };
}

export async function statusCommand(io: Io, orgName?: string): Promise<number> {
  const { settings, store, chosen } = await orgsOfState(io, orgName);
  const view = async (org: StatusOrg) => {
    const token = await store.read<CachedToken>(org.key, 'token').catch(() => undefined);
    const zohoApi = chooseApiDomain(settings.apiHosts, token?.value.apiDomain);
    return readStatus(store, org, { zohoApi, timezone: settings.timezone });
  };
  if (chosen.length === 0) io.out(io.json ? '[]' : 'No org has been checked yet: run "zoho-backup-notifier check" first.');
  else if (chosen.length === 1) {
    const one = await view(chosen[0] as StatusOrg);
    io.out(io.json ? JSON.stringify(one, null, 2) : describeStatus(one, settings.timezone));
  } else {
    const views = await mapWithConcurrency(chosen, DEFAULTS.statusReadConcurrency, async (o) => ({ key: o.key, status: await view(o) }));
    // A record release 0.1 kept that a check has since adopted is the same org: listed once.
    const lines = views.filter((v) => !v.status.movedTo).map((v) => statusLineOf(v.status, v.key));
    io.out(io.json ? JSON.stringify(lines, null, 2) : lines.map((l) => describeStatusLine(l, settings.timezone)).join('\n'));
  }
  return EXIT.ok;
}

export const TEST_NOTICE: Notice = {
  title: 'Test message from the Zoho backup notifier',
  tone: 'info',
  summary: 'This is a test: this channel will get a message when a Zoho CRM backup is ready, fails or goes missing. No backup is involved.',
  facts: [{ label: 'Sent by', value: 'zoho-backup-notifier test-notify' }],
  links: [],
  note: 'Nothing to do. If you did not expect this message, ask whoever set up the backup notifier.',
};

const unreachable = (error: SafeError) => error.code.endsWith('_UNREACHABLE');

function testOutcome(error: SafeError | undefined): string {
  if (!error) return 'took the test message';
  return unreachable(error) ? 'could not be reached' : 'refused it';
}

function testHint(channel: Channel, error: SafeError): string {
  const setting = channel === 'slack' ? 'SLACK_WEBHOOK_URL' : 'TEAMS_WEBHOOK_URL';
  return unreachable(error)
    ? `Check the network and the host in ${setting}, then run test-notify again.`
    : `Check ${setting} (the channel may need a new webhook), then run test-notify again.`;
}

/** Posts a marked test message to every configured channel; needs only the webhook settings. */
export async function testNotifyCommand(io: Io): Promise<number> {
  const notifiers = createNotifiers(loadChannels(io.settings));
  const results: Array<{ channel: Channel; result: 'sent' | 'failed'; error?: SafeError }> = [];
  for (const notifier of notifiers) {
    try {
      await notifier.deliver(notifier.render(TEST_NOTICE, { timezone: 'UTC', now: new Date() }));
      results.push({ channel: notifier.channel, result: 'sent' });
    } catch (error) {
      results.push({ channel: notifier.channel, result: 'failed', error: describeError(error) });
    }
  }
  const failed = results.filter((r) => r.result === 'failed');
  if (io.json) io.out(JSON.stringify({ ok: failed.length === 0, results }, null, 2));
  else for (const r of results) io.out(`${r.channel}: ${testOutcome(r.error)}`);
  // No check sends a test message again: the hint says what to do here.
  for (const r of failed) if (r.error) io.err(describeSafeError({ ...r.error, hint: testHint(r.channel, r.error) }));
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}
