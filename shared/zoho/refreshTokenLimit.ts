/**
 * Zoho lets one user hold 20 refresh tokens per client and revokes the oldest, without a word,
 * when a 21st is made (design §10). A partner user who authorizes every client org with one
 * server-based client reaches that quietly: the 21st consent breaks the first org's checks.
 */
import { DEFAULTS } from '../defaults';

export const REFRESH_TOKEN_LIMIT = 20;

/** What the "refresh token refused" error adds: the likely cause when one user authorized many orgs. */
export const REFRESH_TOKEN_LIMIT_CAUSE = `Zoho keeps at most ${REFRESH_TOKEN_LIMIT} refresh tokens per user for one client and silently revokes the oldest when another is made, so authorizing more orgs (or running auth again) as the same user may have revoked it`;

/** A warning when `orgsOnClient` orgs use one client, or undefined while the limit is far. */
export function refreshTokenLimitWarning(orgsOnClient: number, clientId: string): string | undefined {
  if (orgsOnClient < DEFAULTS.refreshTokensWarnAt) return undefined;
  return (
    `${orgsOnClient} orgs use the client ${clientId.slice(0, 40)}: Zoho keeps at most ${REFRESH_TOKEN_LIMIT} refresh tokens per user for one client ` +
    `and silently revokes the oldest at the ${REFRESH_TOKEN_LIMIT + 1}st. If one Zoho user authorized them all, let each org's own admin ` +
    'authorize it, or register a second client, before that user passes the limit.'
  );
}
