/** The notices for what went wrong: each says what happened, when, and what to do about it. */
import { labelledParts } from './backupReady';
import { type Channel, formatDateTime, formatRelative, type MessageContext, type Notice } from './notice';

const BACKUP_SETTINGS = 'Zoho CRM Setup > Data Administration > Export/Backup';

/** `at` is undefined for an immediate backup: Zoho records no time for one. */
export function backupFailedNotice(
  orgName: string,
  failure: { at?: string; by?: string; repeatType?: string | null },
  ctx: MessageContext,
): Notice {
  const when = failure.at ? formatDateTime(new Date(failure.at), ctx.timezone) : undefined;
  return {
    title: 'Zoho CRM backup failed',
    tone: 'danger',
    summary: `The ${orgName} backup failed${when ? ` at ${when}` : ''}: there is no new backup to download.`,
    facts: [
      { label: 'Org', value: orgName },
      {
        label: 'Failed at',
        value:
          failure.at && when
            ? `${when} (${formatRelative(new Date(failure.at), ctx.now, ctx.timezone)})`
            : `before ${formatDateTime(ctx.now, ctx.timezone)} (an immediate backup: Zoho records no time for it)`,
      },
      ...(failure.by ? [{ label: 'Scheduled by', value: failure.by }] : []),
      ...(failure.repeatType ? [{ label: 'Schedule', value: failure.repeatType }] : []),
    ],
    links: [],
    note: `What to do: retry from ${BACKUP_SETTINGS}, or schedule an immediate backup there. If it fails again, contact Zoho support.`,
  };
}

export function scheduleStoppedNotice(orgName: string, stop: { at?: string; by?: string }, ctx: MessageContext): Notice {
  const who = stop.by ? ` by ${stop.by}` : '';
  const when = stop.at ? ` on ${formatDateTime(new Date(stop.at), ctx.timezone)}` : '';
  return {
    title: 'Zoho CRM backups stopped',
    tone: 'warning',
    summary: `The ${orgName} backup schedule was stopped${who}${when}: no further backups will run.`,
    facts: [
      { label: 'Org', value: orgName },
      ...(stop.by ? [{ label: 'Stopped by', value: stop.by }] : []),
      ...(stop.at ? [{ label: 'Stopped at', value: formatDateTime(new Date(stop.at), ctx.timezone) }] : []),
    ],
    links: [],
    note: `What to do: if this was not intended, schedule backups again in ${BACKUP_SETTINGS}.`,
  };
}

export function backupOverdueNotice(
  orgName: string,
  overdue: { scheduledFor: string; by?: string },
  graceMs: number,
  ctx: MessageContext,
): Notice {
  const when = formatDateTime(new Date(overdue.scheduledFor), ctx.timezone);
  return {
    title: 'Zoho CRM backup overdue',
    tone: 'warning',
    summary: `The ${orgName} backup scheduled for ${when} has not completed: it is more than ${Math.round(graceMs / 3_600_000)} hours overdue.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Scheduled for', value: `${when} (${formatRelative(new Date(overdue.scheduledFor), ctx.now, ctx.timezone)})` },
      ...(overdue.by ? [{ label: 'Scheduled by', value: overdue.by }] : []),
    ],
    links: [],
    note: `What to do: check the backup's status in ${BACKUP_SETTINGS}; schedule an immediate backup if it did not run.`,
  };
}

export function linksExpiringNotice(
  orgName: string,
  backup: { logTime: string; expiresAt: string; links: { data: string[]; attachments: string[] } },
  ctx: MessageContext,
): Notice {
  const expires = `${formatDateTime(new Date(backup.expiresAt), ctx.timezone)} (${formatRelative(new Date(backup.expiresAt), ctx.now, ctx.timezone)})`;
  return {
    title: 'Zoho CRM backup links expire soon',
    tone: 'warning',
    summary: `The download links of the ${orgName} backup of ${formatDateTime(new Date(backup.logTime), ctx.timezone)} expire ${expires}.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Links expire', value: expires },
    ],
    links: labelledParts(backup.links),
    note: 'Download the files now if you keep your own copy: Zoho deletes them when the links expire. Downloading needs a Zoho sign-in.',
  };
}

export function monitorUnhealthyNotice(
  orgName: string,
  incident: { since: string; code: string; message: string; hint?: string },
  failedChecks: number,
  ctx: MessageContext,
): Notice {
  return {
    title: 'Zoho backup monitor cannot check backups',
    tone: 'danger',
    summary: `The backup monitor for ${orgName} has failed since ${formatDateTime(new Date(incident.since), ctx.timezone)} (${incident.code}): backups are not being watched.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Error', value: incident.message, code: incident.code },
      { label: 'Failed checks', value: String(failedChecks) },
    ],
    links: [],
    note: `What to do: ${incident.hint ?? 'see the README troubleshooting table for this code.'}`,
  };
}

export function monitorRecoveredNotice(
  orgName: string,
  incident: { since: string; resolvedAt?: string; code: string },
  ctx: MessageContext,
): Notice {
  const resolved = incident.resolvedAt ? new Date(incident.resolvedAt) : ctx.now;
  return {
    title: 'Zoho backup monitor recovered',
    tone: 'good',
    summary: `The backup monitor for ${orgName} is checking backups again (it failed with ${incident.code} since ${formatDateTime(new Date(incident.since), ctx.timezone)}).`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Down since', value: formatDateTime(new Date(incident.since), ctx.timezone) },
      { label: 'Recovered at', value: formatDateTime(resolved, ctx.timezone) },
    ],
    links: [],
  };
}

const CHANNEL_NAMES: Record<Channel, { name: string; setting: string }> = {
  slack: { name: 'Slack', setting: 'SLACK_WEBHOOK_URL' },
  teams: { name: 'Teams', setting: 'TEAMS_WEBHOOK_URL' },
};

export function channelFailingNotice(
  orgName: string,
  channel: Channel,
  incident: { since: string; code: string; message: string; hint?: string },
  failedChecks: number,
  ctx: MessageContext,
): Notice {
  const { name, setting } = CHANNEL_NAMES[channel];
  return {
    title: `${name} is not taking the backup monitor's messages`,
    tone: 'danger',
    summary: `The ${name} webhook for ${orgName} has refused every message since ${formatDateTime(new Date(incident.since), ctx.timezone)} (${incident.code}): backup news reaches only this channel.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Error', value: incident.message, code: incident.code },
      { label: 'Failed checks', value: String(failedChecks) },
    ],
    links: [],
    note: `What to do: ${incident.hint ?? `check ${setting}`} Messages it missed are sent again once it works.`,
  };
}

export function channelRecoveredNotice(
  orgName: string,
  channel: Channel,
  incident: { since: string; resolvedAt?: string },
  ctx: MessageContext,
): Notice {
  const { name } = CHANNEL_NAMES[channel];
  const resolved = incident.resolvedAt ? new Date(incident.resolvedAt) : ctx.now;
  return {
    title: `${name} takes the backup monitor's messages again`,
    tone: 'good',
    summary: `The ${name} webhook for ${orgName} works again, after failing since ${formatDateTime(new Date(incident.since), ctx.timezone)}.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Working again since', value: formatDateTime(resolved, ctx.timezone) },
    ],
    links: [],
  };
}
