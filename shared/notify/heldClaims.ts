/**
 * The announcement claims this process holds right now, so that a shutdown (SIGTERM, Azure's
 * normal one; Ctrl-C on a laptop) releases them before the process ends. Left in the state, a
 * claim holds off every other check for its lifetime (ten minutes), and status reports "a check
 * is announcing right now" meanwhile. A message being sent when the process stops may be sent
 * again by the next check; none is dropped.
 */
const held = new Set<() => Promise<unknown>>();

/** Registers the release of a claim just taken; the function returned forgets it once released. */
export function holdClaim(release: () => Promise<unknown>): () => void {
  held.add(release);
  return () => held.delete(release);
}

/** Releases every claim held, within `withinMs` (a shutdown has a grace period, not forever). */
export async function releaseHeldClaims(withinMs = 5_000): Promise<void> {
  const releases = [...held];
  held.clear();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, withinMs);
  });
  await Promise.race([Promise.allSettled(releases.map((release) => release())), late]);
  clearTimeout(timer);
}
