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
  apiDomain: string;
}

/** The DC's hosts, with explicit overrides (sandboxes, tests, new DCs) taking precedence. */
export function resolveZohoHosts(dc: DataCentre, overrides: Partial<ZohoHosts> = {}): ZohoHosts {
  const defaults = DATA_CENTRES[dc];
  return {
    accountsUrl: stripTrailingSlash(overrides.accountsUrl ?? defaults.accountsUrl),
    apiDomain: stripTrailingSlash(overrides.apiDomain ?? defaults.apiDomain),
  };
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
