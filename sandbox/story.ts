/**
 * What happens in the sandbox's Zoho org, as stories: a backup completes or fails, someone
 * stops the schedule, Zoho publishes the links. The HTTP server (ZohoSandbox) serves this state.
 */
import { SANDBOX_MODULES } from './backupFiles';
import {
  type CompletedBackupStory,
  type PublishedLinks,
  partNames,
  SANDBOX_ADMIN,
  type SandboxBackupDetails,
  type SandboxHistoryRow,
  type SandboxUser,
  type ZohoSandboxOptions,
  zohoDate,
} from './model';

export class SandboxStory {
  history: SandboxHistoryRow[];
  backup: SandboxBackupDetails | null;
  links: PublishedLinks | null = null;
  protected linksReady = false;
  private nextId = 4876876000001800001n;

  constructor(protected readonly options: ZohoSandboxOptions) {
    this.history = [...(options.history ?? [])];
    this.backup = options.backup ?? null;
  }

  get zgid(): string {
    return this.options.zgid ?? '757345985';
  }

  /** A backup runs and completes: an "initiated" row, a "completed" row, and fresh links. */
  completeBackup(story: CompletedBackupStory): { historyId: string; jobId: string } {
    const by = story.by ?? SANDBOX_ADMIN;
    const repeatType = story.repeatType ?? 'weekly';
    this.addRow({ at: new Date(story.at.getTime() - 60_000), action: 'initiated', state: null, repeatType, by });
    const completed = this.addRow({ at: story.at, action: null, state: 'completed', repeatType, by });
    const jobId = this.newId();
    const expiry = new Date(story.at.getTime() + (story.linksValidDays ?? 7) * 86_400_000);
    this.links = {
      jobId,
      data: partNames('Data', story.dataParts ?? 1),
      attachments: partNames('Attachments', story.attachmentParts ?? 1),
      expiryDate: zohoDate(expiry),
      partSize: story.partSize,
      withoutContentLength: story.withoutContentLength,
      records: story.records ?? SANDBOX_MODULES,
      partBytes: story.partBytes,
      at: story.at,
    };
    this.linksReady = !story.linksPending;
    if (this.backup) this.backup.status = 'SCHEDULED';
    return { historyId: completed.id, jobId };
  }

  /** A backup that Zoho could not finish. */
  failBackup(at: Date, by: SandboxUser = SANDBOX_ADMIN): string {
    return this.addRow({ at, action: null, state: 'failure', repeatType: 'weekly', by }).id;
  }

  /** An immediate backup that Zoho could not finish: its row has no log_time (seed 003). */
  failImmediateBackup(by: SandboxUser = SANDBOX_ADMIN): string {
    const row = this.addRow({ at: new Date(), action: null, state: 'failure', repeatType: 'immediate', by });
    row.log_time = null;
    return row.id;
  }

  /** Someone stops the schedule. */
  stopSchedule(at: Date, by: SandboxUser = SANDBOX_ADMIN): string {
    if (this.backup) this.backup.status = 'STOPPED';
    return this.addRow({ at, action: 'stopped', state: null, repeatType: 'weekly', by }).id;
  }

  /** Zoho has prepared the links announced as pending. */
  publishLinks(): void {
    this.linksReady = true;
  }

  addRow(row: {
    at: Date;
    action: SandboxHistoryRow['action'];
    state: SandboxHistoryRow['state'];
    repeatType: SandboxHistoryRow['repeat_type'];
    by?: SandboxUser;
  }): SandboxHistoryRow {
    const entry: SandboxHistoryRow = {
      id: this.newId(),
      done_by: row.by ?? SANDBOX_ADMIN,
      log_time: zohoDate(row.at),
      state: row.state,
      action: row.action,
      repeat_type: row.repeatType,
      file_name: null,
      count: 0,
    };
    this.history.push(entry);
    return entry;
  }

  protected newId(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }
}
