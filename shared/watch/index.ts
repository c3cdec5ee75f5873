/** The check, as the functions and the CLI run it. */
export { runCheck } from './runCheck';
export * from './types';
