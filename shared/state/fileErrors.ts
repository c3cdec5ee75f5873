/**
 * A file-system failure of the state file or its lock, as STATE_UNAVAILABLE: which file, what
 * could not be done, the system's code, and what a person can do about it. On a laptop or a
 * NAS there are no function logs to look in: the message must say it all.
 */
import { dirname } from 'node:path';
import { StateStoreError } from './store';

const FULL = new Set(['ENOSPC', 'EFBIG', 'EDQUOT']);
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

export function fileStateError(path: string, failed: 'read' | 'created' | 'written', error: unknown): StateStoreError {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? 'error';
  let hint = `Check that ${dirname(path)} exists and is writable by this user, or set STATE_FILE to another path.`;
  if (FULL.has(code))
    hint = `The disk is full or a file-size limit was reached: free space in ${dirname(path)}, or set STATE_FILE to a disk with room. Nothing was changed.`;
  if (DENIED.has(code))
    hint = `This user may not write in ${dirname(path)}: make it writable, or set STATE_FILE to a path this user may write.`;
  return new StateStoreError(`${path} cannot be ${failed} (${code})`, hint, error);
}
