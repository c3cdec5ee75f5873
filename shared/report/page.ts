/**
 * The report page: every org's backups, records and alerts over time, as one self-contained
 * HTML document (no script, no style, font or image from anywhere: a strict CSP allows only
 * its own inline stylesheet). Pure: the model in, the page out (gather.ts reads the model).
 * It reads without JavaScript, on a phone, in light and dark, with headings, captions and
 * tables behind every chart. Everything from outside is escaped as text (html.ts).
 */
import type { ArchivedBackup } from '../archive/catalog';
import type { DrillResult } from '../archive/drillRecord';
import { formatDateTime } from '../notify/notice';
import type { StatusView } from '../status';
import { recordsChart, recordsTable, type Series } from './chart';
import { contentSecurityPolicy, plainLink, text } from './html';
import { STYLE } from './style';

export interface OrgReport {
  name: string;
  status?: StatusView;
  /** Why its state could not be read; the other orgs still render. */
  problem?: string;
  /** Its archived backups, oldest first (for an overview of many orgs: only its newest). */
  archived: ArchivedBackup[];
  /** How many it has, when `archived` holds only the newest. */
  archivedCount?: number;
  lastDrill: (prefix: string) => DrillResult | undefined;
}

export interface ReportModel {
  generatedAt: Date;
  timeZone: string;
  orgs: OrgReport[];
  /** The data-loss alarm's threshold, to mark a drop in the chart. */
  dropPercent: number;
  /** More orgs than this: the overview only (name one org for its page). */
  detailsUpTo?: number;
}

/** Up to this many orgs, the page has each org's section; beyond, the overview only. */
export const DETAILS_UP_TO = 25;

const sizeText = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} KB`;

const when = (iso: string | undefined, tz: string) => (iso ? text(formatDateTime(new Date(iso), tz)) : '–');

function health(status: StatusView | undefined, problem: string | undefined): string {
  if (!status) return `<span class="bad">state unreadable</span>`;
  if (problem) return `<span class="bad">${text(problem)}</span>`;
  const incident = status.health.incident;
  return incident
    ? `<span class="bad">failing since ${text(incident.since.slice(0, 16).replace('T', ' '))} (${text(incident.code)})</span>`
    : '<span class="ok">ok</span>';
}

function channelHealth(s: StatusView): string {
  return Object.entries(s.channels)
    .map(
      ([channel, h]) =>
        `; ${text(channel === 'slack' ? 'Slack' : channel === 'teams' ? 'Teams' : channel)}: ${h?.incident ? `<span class="bad">refusing messages since ${text(h.incident.since.slice(0, 16).replace('T', ' '))} (${text(h.incident.code)})</span>` : '<span class="ok">ok</span>'}`,
    )
    .join('');
}

function overviewRow(org: OrgReport, i: number, tz: string, linked: boolean): string {
  const s = org.status;
  const name = linked ? `<a href="#org-${i}">${text(org.name)}</a>` : text(org.name);
  const latest = org.archived.at(-1);
  const drill = latest && org.lastDrill(latest.prefix);
  return `<tr><th scope="row">${name}</th><td>${when(s?.backup?.completedAt, tz)}</td><td>${s?.backup ? `${when(s.backup.expiresAt, tz)}${s.backup.expired ? ' (expired)' : ''}` : '–'}</td><td>${health(s, org.problem)}</td><td>${s?.alerts.length ?? '–'}</td><td>${org.archivedCount ?? org.archived.length}</td><td>${drill ? `${when(drill.at, tz)} ${drill.ok ? '<span class="ok">ok</span>' : '<span class="bad">failed</span>'}` : '–'}</td></tr>`;
}

function links(status: StatusView, tz: string): string {
  const b = status.backup;
  if (!b) return '<p>No backup announced yet.</p>';
  const all = [
    ...b.links.data.map((u, i) => [`Data ${i + 1} of ${b.links.data.length}`, u]),
    ...b.links.attachments.map((u, i) => [`Attachments ${i + 1} of ${b.links.attachments.length}`, u]),
  ];
  const items = all.flatMap(([label, url]) => {
    const link = plainLink(url ?? '');
    return link ? [`<li><a href="${text(link)}" rel="noreferrer">${text(label)}</a></li>`] : [];
  });
  const validity = b.expired ? `expired ${when(b.expiresAt, tz)}` : `valid until ${when(b.expiresAt, tz)}`;
  return `<p>Latest backup completed ${when(b.completedAt, tz)}; its links are ${validity}.</p>${b.expired || items.length === 0 ? '' : `<ul>${items.join('')}</ul>`}`;
}

const EVENT_NAMES: Record<string, string> = {
  'backup-completed': 'Backup completed',
  'backup-failed': 'Backup failed',
  'backup-overdue': 'Backup overdue',
  'schedule-stopped': 'Schedule stopped',
  'links-expiring': 'Links expiring',
  'monitor-unhealthy': 'Monitor cannot check',
  'monitor-recovered': 'Monitor recovered',
  'backup-archived': 'Backup archived',
  'records-dropped': 'Records dropped',
  'archive-failed': 'Part not archived',
  'archive-unreadable': 'Archived copy unreadable',
  'channel-failing': 'Channel refusing messages',
  'channel-recovered': 'Channel recovered',
};
const BAD = new Set([
  'backup-failed',
  'backup-overdue',
  'schedule-stopped',
  'monitor-unhealthy',
  'records-dropped',
  'archive-failed',
  'archive-unreadable',
  'channel-failing',
]);

/** The past year, newest first: backups taken up and alerts raised, as the state recorded them. */
function events(status: StatusView, tz: string, now: Date): string {
  const since = now.getTime() - 366 * 86_400_000;
  const recent = status.history.filter((e) => Date.parse(e.at) >= since).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  if (recent.length === 0) return '';
  const rows = recent.map((e) => {
    const name = text(EVENT_NAMES[e.kind] ?? e.kind);
    return `<tr><th scope="row">${when(e.at, tz)}</th><td>${BAD.has(e.kind) ? `<span class="bad">${name}</span>` : name}</td><td class="wrap">${text(e.summary)}</td></tr>`;
  });
  return `<table><caption>The past year: backups and alerts, newest first</caption><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Details</th></tr>${rows.join('')}</table>`;
}

function timeline(org: OrgReport, tz: string): string {
  if (org.archived.length === 0) return '<p>No archived backup yet.</p>';
  const rows = [...org.archived].reverse().map((b) => {
    const m = b.manifest;
    const bytes = m.parts.reduce((n, p) => n + p.size, 0);
    const records = m.modules ? m.modules.reduce((n, x) => n + x.records, 0).toLocaleString('en-US') : 'not inspected';
    const drill = org.lastDrill(b.prefix);
    return `<tr><th scope="row">${when(m.backupCompletedAt, tz)}</th><td>${m.parts.length}</td><td>${sizeText(bytes)}</td><td>${records}</td><td>${text(m.generation ?? 'daily')}</td><td>${when(m.keptUntil, tz)}</td><td>${drill ? (drill.ok ? `ok ${when(drill.at, tz)}` : `<span class="bad">failed ${when(drill.at, tz)}</span>`) : 'not yet'}</td></tr>`;
  });
  return `<table><caption>Archived backups, newest first</caption><tr><th scope="col">Completed</th><th scope="col">Parts</th><th scope="col">Size</th><th scope="col">Records</th><th scope="col">Generation</th><th scope="col">Kept until</th><th scope="col">Last drill</th></tr>${rows.join('')}</table>`;
}

function records(org: OrgReport, tz: string, dropPercent: number): string {
  const inspected = org.archived.filter((b) => b.manifest.modules);
  if (inspected.length === 0) return '';
  const labels = inspected.map((b) => formatDateTime(new Date(b.manifest.backupCompletedAt), tz));
  const modules = [...new Set(inspected.flatMap((b) => b.manifest.modules?.map((m) => m.module) ?? []))];
  const series: Series[] = modules.map((module) => ({
    module,
    values: inspected.map((b) => b.manifest.modules?.find((m) => m.module === module)?.records),
  }));
  return `<figure>${recordsChart(labels, series, dropPercent)}<figcaption>Records per module; a ringed point lost ${dropPercent}% or more since the backup before.</figcaption></figure>${recordsTable(labels, series)}`;
}

function details(org: OrgReport, i: number, model: ReportModel): string {
  const tz = model.timeZone;
  const s = org.status;
  const body = !s
    ? `<p role="alert" class="bad">This org's state could not be read: ${text(org.problem ?? 'unknown')}.</p>`
    : `<p>Health: ${health(s, undefined)}${channelHealth(s)}. Last check ${when(s.lastCheck?.at, tz)}${s.lastCheck ? ` (${text(s.lastCheck.outcome)})` : ''}.</p>${links(s, tz)}${
        s.alerts.length
          ? `<h3>Alerts</h3><ul>${s.alerts.map((a) => `<li>${when(a.raisedAt, tz)}: ${text(a.summary)}</li>`).join('')}</ul>`
          : ''
      }`;
  const history = s ? events(s, tz, model.generatedAt) : '';
  return `<section id="org-${i}" aria-labelledby="org-${i}-name"><h2 id="org-${i}-name">${text(org.name)}</h2>${body}${history ? `<h3>Timeline</h3>${history}` : ''}<h3>Archived backups</h3>${timeline(org, tz)}${records(org, tz, model.dropPercent)}</section>`;
}

export function renderReport(model: ReportModel): string {
  const withDetails = model.orgs.length <= (model.detailsUpTo ?? DETAILS_UP_TO);
  const rows = model.orgs.map((o, i) => overviewRow(o, i, model.timeZone, withDetails)).join('');
  const overview = `<section aria-labelledby="overview"><h2 id="overview">Orgs</h2><table><caption>${model.orgs.length} org${model.orgs.length === 1 ? '' : 's'}</caption><tr><th scope="col">Org</th><th scope="col">Last backup</th><th scope="col">Links expire</th><th scope="col">Monitor</th><th scope="col">Open alerts</th><th scope="col">Archived</th><th scope="col">Last drill</th></tr>${rows}</table>${withDetails ? '' : '<p>Many orgs: name one (report --org, or ?org=) for its page.</p>'}</section>`;
  const sections = withDetails ? model.orgs.map((o, i) => details(o, i, model)).join('') : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(STYLE)}"><meta name="referrer" content="no-referrer"><title>Zoho CRM backups</title><style>${STYLE}</style></head><body><header><h1>Zoho CRM backups</h1><p>As of ${when(model.generatedAt.toISOString(), model.timeZone)}</p></header><main>${overview}${sections}</main></body></html>\n`;
}
