/** What backupStatus and `zoho-backup-notifier status` show: the stored state, no secrets. */
import { type DrillRecord, type DrillResult, drillKeyOf } from './archive/drillRecord';
import { type BackupContents, changesSince, type ModuleRecords, totalRecords } from './inspect/backupContents';
import { formatRelative } from './notify/notice';
import { unadoptedRecord } from './state/adopt';
import type { HistoryEvent } from './state/history';
import type { StateStore } from './state/store';
import type { ArchiveProgress, ChannelDelivery, WatchState } from './state/watchState';
import { parseWatchState } from './state/watchStateShape';
import type { ApiDomainChoice } from './zoho/datacentres';

export interface StatusView {
  org: string;
  /** Where the state lives: a file's path or the Table storage table. */
  state: string;
  backup: {
    historyId: string;
    completedAt: string;
    jobId?: string;
    zgid?: string;
    expiresAt: string;
    expires: string;
    expired: boolean;
    announced: boolean;
    links: { data: string[]; attachments: string[] };
    deliveries: Partial<Record<string, ChannelDelivery>>;
    /** Archive progress per part (ARCHIVE_ENABLED=true). */
    archive: ArchiveProgress | null;
  } | null;
  alerts: Array<{
    kind: string;
    occurrence: string;
    raisedAt: string;
    summary: string;
    deliveries: Partial<Record<string, ChannelDelivery>>;
  }>;
  health: { consecutiveFailures: number; incident: NonNullable<WatchState['health']>['incident'] | null };
  schedule: WatchState['schedule'] | null;
  lastCheck: WatchState['lastCheck'] | null;
  lastSuccessAt: string | null;
  lastError: WatchState['lastError'] | null;
  checkInProgress: boolean;
  /** Where the API calls go, and why (ZOHO_API_DOMAIN, the token answer, or ZOHO_DC). */
  zohoApi: ApiDomainChoice | null;
  /** What the latest archived backup holds, each module with its change since the one before. */
  contents: {
    historyId: string;
    completedAt: string;
    location: string;
    records: number;
    modules: Array<ModuleRecords & { change?: number }>;
    attachments: BackupContents['attachments'];
  } | null;
  /** When the drill last read the latest archived backup again, and whether it still matched. */
  lastVerified: DrillResult | null;
  /** Each chat channel's refused messages across checks, as the monitor's own health. */
  channels: Partial<Record<string, StatusView['health']>>;
  /** The past year's backups and alerts, oldest first (shared/state/history.ts). */
  history: HistoryEvent[];
  /** Only on a record a check adopted under the org's own key (shared/state/adopt.ts). */
  movedTo?: string;
}

/** An org's status; before a check has adopted the state release 0.1 kept under `legacy`, that state. */
export async function readStatus(
  store: StateStore,
  org: { key: string; name: string; legacy?: { key: string } },
  extras: { zohoApi?: ApiDomainChoice; now?: Date; timezone?: string } = {},
): Promise<StatusView> {
  const now = extras.now ?? new Date();
  const own = await store.read<unknown>(org.key, 'watch');
  const legacyKey = org.legacy?.key;
  const [key, record] = own || !legacyKey ? [org.key, own] : [legacyKey, await unadoptedRecord(store, legacyKey, org.key)];
  const state = parseWatchState(record?.value, key, store.location) ?? {};
  const backup = state.backup;
  return {
    org: org.name,
    state: store.location ?? 'the state store',
    backup: backup
      ? {
          historyId: backup.historyId,
          completedAt: backup.logTime,
          jobId: backup.jobId,
          zgid: backup.zgid,
          expiresAt: backup.expiresAt,
          expires: formatRelative(new Date(backup.expiresAt), now, extras.timezone),
          expired: Date.parse(backup.expiresAt) <= now.getTime(),
          announced: backup.announce,
          links: backup.links,
          deliveries: backup.deliveries,
          archive: backup.archive ?? null,
        }
      : null,
    alerts: Object.values(state.alerts ?? {}).map((record) => ({
      kind: record.kind,
      occurrence: record.occurrence,
      raisedAt: record.raisedAt,
      summary: record.notice.summary,
      deliveries: record.deliveries,
    })),
    health: { consecutiveFailures: state.health?.consecutiveFailures ?? 0, incident: state.health?.incident ?? null },
    schedule: state.schedule ?? null,
    lastCheck: state.lastCheck ?? null,
    lastSuccessAt: state.lastSuccessAt ?? null,
    lastError: state.lastError ?? null,
    checkInProgress: !!state.claim && Date.parse(state.claim.until) > now.getTime(),
    zohoApi: extras.zohoApi ?? null,
    contents: contentsOfState(state),
    lastVerified: backup?.archive ? await lastDrillOf(store, backup.archive.prefix) : null,
    history: state.history ?? [],
    channels: Object.fromEntries(
      Object.entries(state.channels ?? {}).map(([channel, h]) => [
        channel,
        { consecutiveFailures: h?.consecutiveFailures ?? 0, incident: h?.incident ?? null },
      ]),
    ),
    ...(state.movedTo ? { movedTo: state.movedTo } : {}),
  };
}

async function lastDrillOf(store: StateStore, prefix: string): Promise<DrillResult | null> {
  const record = await store.read<DrillRecord>(drillKeyOf(prefix), 'drill').catch(() => undefined);
  const result = record?.value?.backups?.[prefix];
  return result && typeof result.at === 'string' ? result : null;
}

function contentsOfState({ inspected, inspectedBefore }: WatchState): StatusView['contents'] {
  if (!inspected) return null;
  const { historyId, completedAt, location, attachments } = inspected;
  return {
    historyId,
    completedAt,
    location,
    records: totalRecords(inspected),
    modules: changesSince(inspectedBefore, inspected),
    attachments,
  };
}

/** One line of a list of orgs: enough to see which one needs a look. */
export interface StatusLine {
  org: string;
  key: string;
  lastBackupAt: string | null;
  linksExpireAt: string | null;
  lastCheck: WatchState['lastCheck'] | null;
  /** The last check did its work (or none has run yet). */
  ok: boolean;
  error: string | null;
  openAlerts: number;
}

export function statusLineOf(view: StatusView, key: string): StatusLine {
  return {
    org: view.org,
    key,
    lastBackupAt: view.backup?.completedAt ?? null,
    linksExpireAt: view.backup?.expiresAt ?? null,
    lastCheck: view.lastCheck,
    ok: !['failed', 'delivery-failed'].includes(view.lastCheck?.outcome ?? ''),
    error: view.lastError?.code ?? null,
    openAlerts: view.alerts.length,
  };
}
