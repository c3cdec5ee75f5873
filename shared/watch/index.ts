/** The check, as the functions and the CLI run it. */
export { newestCompletedBackup } from './planBackup';
export { runCheck } from './runCheck';
export * from './types';
