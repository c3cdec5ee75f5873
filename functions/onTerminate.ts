/**
 * When the host stops this worker (scale-in, a deployment, a restart), it sends WorkerTerminate
 * and the worker runs the appTerminate hooks within the grace period: the announcement claims
 * this instance holds are released, so the next check on another instance need not wait out
 * their ten minutes. Not a function: the one hook of the app.
 */
import { app } from '@azure/functions';
import { releaseHeldClaims } from '../shared/notify/heldClaims';

export const releaseClaimsOnTerminate = (): Promise<void> => releaseHeldClaims();

app.hook.appTerminate(releaseClaimsOnTerminate);
