/** What the watch remembers per org between runs (the 'watch' record of the state store). */
import type { Channel } from '../notify/notice';

export interface ChannelDelivery {
  status: 'delivered' | 'failed';
  at: string;
  /** Failures only: the error code and message (never a URL). */
  code?: string;
  message?: string;
  attempts: number;
}

/** The newest completed backup the watch has taken on, and how far its announcement got. */
export interface TrackedBackup {
  historyId: string;
  logTime: string;
  /** Backup job id and org id (zgid), read from the download links. */
  jobId?: string;
  zgid?: string;
  doneBy?: string;
  expiresAt: string;
  links: { data: string[]; attachments: string[] };
  /** False when its links had already expired when first seen: recorded, never announced. */
  announce: boolean;
  deliveries: Partial<Record<Channel, ChannelDelivery>>;
}

export interface WatchState {
  backup?: TrackedBackup;
  /** Who is sending right now; another run leaves the backup alone until `until`. */
  claim?: { owner: string; until: string };
  lastCheck?: { at: string; outcome: string };
  lastSuccessAt?: string;
  lastError?: { at: string; code: string; message: string; hint?: string };
}
