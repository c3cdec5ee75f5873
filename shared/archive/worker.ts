/**
 * The archive worker: copies one zip part (one queue message, or one part of the command
 * line's folder run) into its store, verified and read on the way, records it with what it
 * holds, and when the last part of a backup lands finishes the backup (archive/finish.ts).
 * Safe to run twice for the same part: a part stored whole is not copied again (and is read
 * again if the state lacks its contents); two workers racing each commit a complete copy or fail.
 */

import type { Readable } from 'node:stream';
import { type AxiosInstance, isAxiosError } from 'axios';
import { type AlertSettings, DEFAULT_ALERT_SETTINGS, DEFAULTS } from '../defaults';
import { networkReason, safeUrl } from '../http';
import { PartDamagedError } from '../inspect/partDamaged';
import { type Logger, silentLogger, warnOfFailure } from '../log';
import { type Announcer, alertTarget, createAnnouncer, recordAndAnnounce } from '../notify/announcer';
import { archiveFailedNotice } from '../notify/archiveNotices';
import type { Notifier } from '../notify/delivery';
import type { Notice } from '../notify/notice';
import type { WatchedOrg } from '../orgName';
import { WatchStateRepository } from '../state/repository';
import type { StateStore } from '../state/store';
import type { AlertKind, ArchivePart, ArchiveProgress, TrackedBackup, WatchState } from '../state/watchState';
import { UntrustedHostError, type ZohoApiError, ZohoUnreachableError, zohoApiError } from '../zoho/errors';
import type { AccessTokenSource } from '../zoho/tokens';
import type { ArchiveStorage } from './container';
import { type CopiedPart, contentLength, type StallWatch } from './copy';
import { finishArchive } from './finish';
import { type ArchivePartMessage, archiveGenerationOf, progressFromLinks } from './plan';
import type { Retention } from './retention';
import { type ArchiveStore, archiveStoreOf, storedFromState } from './stores';

export interface ArchiveDeps {
  store: StateStore;
  org: WatchedOrg;
  tokens: AccessTokenSource;
  /** For downloads (streams); no redirects are followed. */
  http: AxiosInstance;
  storage: ArchiveStorage;
  isTrustedUrl: (url: string) => boolean;
  trustedHosts: string[];
  notifiers: readonly Notifier[];
  timezone: string;
  now?: () => Date;
  log?: Logger;
  /** Silence after which a download counts as stalled (default a minute), and its timer. */
  stall?: StallWatch;
  /** The data-loss alarm's thresholds (ALERT_RECORD_DROP_PERCENT, ALERT_RECORD_DROP_MIN). */
  alerts?: Pick<AlertSettings, 'recordDropPercent' | 'recordDropMin'>;
  /** How long each generation is kept (ARCHIVE_KEEP_*): the manifest says until when. */
  retention?: Retention;
}

/** What a part may be called on disk: Zoho's are Data_001.zip, Attachments_001.zip. */
const PLAIN_FILE_NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;

export type PartOutcome = 'archived' | 'already-archived' | 'refused' | 'damaged' | 'not-tracked';

export async function archivePart(deps: ArchiveDeps, message: ArchivePartMessage): Promise<PartOutcome> {
  const job = new ArchiveJob(deps, message);
  return job.run();
}

/** The poison queue's handler: the part failed every attempt. Records it and alerts once. */
export async function reportArchiveFailure(deps: ArchiveDeps, message: ArchivePartMessage, reason?: string): Promise<void> {
  const job = new ArchiveJob(deps, message);
  await job.fail('failed', reason ?? `${message.fileName} could not be archived after repeated attempts`);
}

class ArchiveJob {
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly repo: WatchStateRepository;
  private readonly announcer: Announcer;

  constructor(
    private readonly deps: ArchiveDeps,
    private readonly message: ArchivePartMessage,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.log = deps.log ?? silentLogger;
    // The runtime's org, not the message's key: a message queued by release 0.1 names the old key.
    this.repo = new WatchStateRepository(deps.store, deps.org.key, deps.org.legacy);
    this.announcer = createAnnouncer({ repo: this.repo, notifiers: deps.notifiers, now: this.now, log: this.log, timezone: deps.timezone });
  }

  private messageContext() {
    return { timezone: this.deps.timezone, now: this.now() };
  }

  private get store(): ArchiveStore {
    return archiveStoreOf(this.deps.storage);
  }

  async run(): Promise<PartOutcome> {
    const { fileName, url } = this.message;
    if (!this.deps.isTrustedUrl(url)) {
      // Never retried: the link itself is wrong, and the token must not go there.
      const refusal = new UntrustedHostError(new URL(url).host, this.deps.trustedHosts);
      await this.fail('refused', refusal.message);
      return 'refused';
    }
    if (!PLAIN_FILE_NAME.test(fileName)) {
      await this.fail('refused', `the link names the file ${JSON.stringify(fileName.slice(0, 80))}, not a plain zip part name`);
      return 'refused';
    }
    const path = `${this.message.prefix}/${fileName}`;
    const state = await this.repo.read();
    const stored = await this.store.storedPart(path, fileName, storedFromState(state.backup?.archive?.parts[fileName]));
    if (stored) {
      await this.recordPart({ status: 'archived', at: this.now().toISOString(), ...stored });
      return 'already-archived';
    }
    const download = await this.download(url);
    const part = {
      fileName,
      expectedBytes: download.length,
      historyId: this.message.historyId,
      source: safeUrl(url),
      stall: this.deps.stall,
      generation:
        state.backup?.archive?.generation ?? (state.backup ? archiveGenerationOf(state, state.backup, this.deps.timezone) : 'daily'),
    };
    let copied: CopiedPart;
    try {
      copied = await this.store.writePart(path, download.stream, part);
    } catch (error) {
      if (!(error instanceof PartDamagedError)) throw error;
      // Zoho's file itself is damaged: another download brings the same bytes, so say so now.
      await this.fail('failed', error.message);
      return 'damaged';
    }
    this.log.info(`archived ${fileName}`, { size: copied.size, sha256: copied.sha256, entries: copied.inspection.entries });
    return (await this.recordPart({ status: 'archived', at: this.now().toISOString(), ...copied })) ? 'archived' : 'not-tracked';
  }

  /** GET with the Zoho token; a refused token is replaced once. */
  private async download(url: string, retried = false): Promise<{ stream: Readable; length: number | undefined }> {
    const token = await this.deps.tokens.getAccessToken();
    try {
      const response = await this.deps.http.get<Readable>(url, {
        responseType: 'stream',
        maxRedirects: 0,
        headers: { Authorization: `Zoho-oauthtoken ${token}` },
      });
      return { stream: response.data, length: contentLength(response.headers as Record<string, unknown>) };
    } catch (error) {
      if (!isAxiosError(error)) throw error;
      if (!error.response) throw new ZohoUnreachableError('download', networkReason(error), error);
      const apiError: ZohoApiError = zohoApiError('download', error.response.status, undefined);
      if (error.response.status === 401 && !retried) {
        this.deps.tokens.invalidate(token);
        return this.download(url, true);
      }
      throw apiError;
    }
  }

  /** Records this part; when it was the last one, finishes the backup's archive. Returns false if the backup is not tracked. */
  private async recordPart(part: ArchivePart): Promise<boolean> {
    const { historyId, fileName } = this.message;
    const written = await this.repo.mutate((state) => {
      const backup = state.backup;
      if (backup?.historyId !== historyId) return undefined;
      const progress = backup.archive ?? this.progressFor(backup, state);
      // A part found archived again keeps what its first copy read inside it, and no old error.
      const cleared = part.status === 'archived' ? { error: undefined } : {};
      const parts = { ...progress.parts, [fileName]: { ...progress.parts[fileName], ...part, ...cleared } };
      const complete = Object.values(parts).every((p) => p.status === 'archived');
      const archive = { ...progress, parts, completedAt: progress.completedAt ?? (complete ? this.now().toISOString() : undefined) };
      return { ...state, backup: { ...backup, archive, archived: complete } };
    });
    if (!written) return false;
    const archive = written.backup?.archive;
    if (written.backup?.archived && archive && !archive.finishedAt) await this.finish(written.backup, archive);
    return true;
  }

  /** This worker got here before the watch recorded the queueing: derive the progress from the links. */
  private progressFor(backup: TrackedBackup, state: WatchState): ArchiveProgress {
    const container = 'folder' in this.deps.storage ? this.deps.storage.folder : this.deps.storage.container;
    return progressFromLinks(state, backup, { container, prefix: this.message.prefix, at: this.now(), timeZone: this.deps.timezone });
  }

  /**
   * All parts stored: the manifest, the contents, one follow-up and, if records vanished, the
   * alarm; then `finishedAt`. Until it is set, a re-delivered message (or the next command-line
   * check) finishes again.
   */
  private async finish(backup: TrackedBackup, archive: ArchiveProgress): Promise<void> {
    await finishArchive(
      {
        repo: this.repo,
        orgName: this.deps.org.name,
        location: this.store.location(archive.prefix),
        writeManifest: (body) => this.store.writeManifest(`${archive.prefix}/manifest.json`, body, archive.generation ?? 'daily'),
        announce: (kind, occurrence, notice) => this.announce(kind, occurrence, notice),
        messageContext: () => this.messageContext(),
        alerts: this.deps.alerts ?? DEFAULT_ALERT_SETTINGS,
        retention: this.deps.retention ?? DEFAULTS.archiveRetention,
      },
      backup,
      archive,
    );
    const at = this.now().toISOString();
    await this.repo.mutate((state) =>
      state.backup?.historyId === backup.historyId && state.backup.archive
        ? { ...state, backup: { ...state.backup, archive: { ...state.backup.archive, finishedAt: at } } }
        : undefined,
    );
  }

  async fail(status: 'failed' | 'refused', reason: string): Promise<void> {
    const { historyId } = this.message;
    const tracked = (await this.repo.read()).backup;
    // The part is stored: what failed is finishing the backup (its manifest), and the part stays archived.
    const stored = tracked?.historyId === historyId && tracked.archive?.parts[this.message.fileName]?.status === 'archived';
    const fileName = stored ? 'manifest.json' : this.message.fileName;
    if (!stored)
      await this.repo.mutate((state) => {
        const backup = state.backup;
        if (backup?.historyId !== historyId) return undefined;
        const progress = backup.archive ?? this.progressFor(backup, state);
        const part: ArchivePart = { status, at: this.now().toISOString(), error: reason };
        return { ...state, backup: { ...backup, archive: { ...progress, parts: { ...progress.parts, [fileName]: part } } } };
      });
    this.log.error(`archive of ${fileName} ${status}: ${reason}`);
    await this.announce(
      'archive-failed',
      `${historyId}/${fileName}`,
      archiveFailedNotice(this.deps.org.name, fileName, reason, tracked?.expiresAt, this.messageContext()),
      `archive-failed:${fileName}`,
    );
  }

  private async announce(kind: AlertKind, occurrence: string, notice: Notice, key: string = kind): Promise<void> {
    const target = alertTarget(kind, occurrence, notice, this.now(), key);
    try {
      await recordAndAnnounce(this.repo, this.announcer, target, notice);
    } catch (error) {
      warnOfFailure(this.log, `could not announce ${kind}`, error);
    }
  }
}
