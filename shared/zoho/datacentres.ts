import { isLoopbackHttp } from '../urls';

/** Zoho data centres: where an org's accounts server and API live (Zoho's multi-DC table). */
export const DATA_CENTRES = {
  us: { accountsUrl: 'https://accounts.zoho.com', apiDomain: 'https://www.zohoapis.com' },
  eu: { accountsUrl: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.eu' },
  in: { accountsUrl: 'https://accounts.zoho.in', apiDomain: 'https://www.zohoapis.in' },
  au: { accountsUrl: 'https://accounts.zoho.com.au', apiDomain: 'https://www.zohoapis.com.au' },
  jp: { accountsUrl: 'https://accounts.zoho.jp', apiDomain: 'https://www.zohoapis.jp' },
  ca: { accountsUrl: 'https://accounts.zohocloud.ca', apiDomain: 'https://www.zohoapis.ca' },
  cn: { accountsUrl: 'https://accounts.zoho.com.cn', apiDomain: 'https://www.zohoapis.com.cn' },
  sa: { accountsUrl: 'https://accounts.zoho.sa', apiDomain: 'https://www.zohoapis.sa' },
} as const;

export type DataCentre = keyof typeof DATA_CENTRES;
export const DATA_CENTRE_NAMES = Object.keys(DATA_CENTRES) as [DataCentre, ...DataCentre[]];

export interface ZohoHosts {
  accountsUrl: string;
  /** ZOHO_API_DOMAIN when set, else the data centre's API domain. */
  apiDomain: string;
  /** Set only when ZOHO_API_DOMAIN was: then it wins over the token answer's api_domain. */
  explicitApiDomain?: string;
}

/** The DC's hosts, with explicit overrides (sandboxes, tests, new DCs) taking precedence. */
export function resolveZohoHosts(dc: DataCentre, overrides: { accountsUrl?: string; apiDomain?: string } = {}): ZohoHosts {
  const defaults = DATA_CENTRES[dc];
  const explicitApiDomain = overrides.apiDomain && stripTrailingSlash(overrides.apiDomain);
  return {
    accountsUrl: stripTrailingSlash(overrides.accountsUrl ?? defaults.accountsUrl),
    apiDomain: explicitApiDomain ?? defaults.apiDomain,
    ...(explicitApiDomain ? { explicitApiDomain } : {}),
  };
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Where the API calls go, and why: the setting, Zoho's token answer, or the data centre's default. */
export interface ApiDomainChoice {
  domain: string;
  source: 'ZOHO_API_DOMAIN' | 'token answer' | 'ZOHO_DC';
}

const ZOHO_API_ORIGINS = new Set<string>(Object.values(DATA_CENTRES).map((dc) => dc.apiDomain));

/**
 * Zoho's token answer names the org's API host (api_domain), and Zoho's own SDK switches to
 * it. An explicit ZOHO_API_DOMAIN still wins. The answer is used only when it is one of Zoho's
 * API domains, so a token endpoint cannot send the token elsewhere; a sandbox accounts server
 * on this machine may name a sandbox API host on this machine.
 */
export function chooseApiDomain(hosts: ZohoHosts, fromToken?: string): ApiDomainChoice {
  if (hosts.explicitApiDomain) return { domain: hosts.explicitApiDomain, source: 'ZOHO_API_DOMAIN' };
  const origin = fromToken && originOf(fromToken);
  const sandboxed = isLoopbackHttp(hosts.accountsUrl) && !!fromToken && isLoopbackHttp(fromToken);
  if (origin && (ZOHO_API_ORIGINS.has(origin) || sandboxed)) return { domain: origin, source: 'token answer' };
  return { domain: hosts.apiDomain, source: 'ZOHO_DC' };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
