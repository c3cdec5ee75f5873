/**
 * An org's name is what people read in messages and type after `status --org` or `?org=`, so
 * two orgs must not read alike: "Café" written with an accent or with a combining accent, or
 * "Acme" and "Ac\u200bme" (a zero-width space), would look the same in a channel and in a list.
 * A name is kept in NFC, may hold no invisible or control character, and two names are the
 * same when they read the same (compatibility forms, case and spacing aside).
 */
import { createHash } from 'node:crypto';
import type { LegacyKey } from './state/adopt';

/** An org as the watch knows it: its key, its name for messages, and where its state was kept before. */
export interface WatchedOrg {
  key: string;
  name: string;
  legacy?: LegacyKey;
}

/** Invisible (format) and control characters: nothing a reader can see or type. */
const INVISIBLE = /[\p{Cf}\p{Cc}]/u;

export function normalizeOrgName(name: string): string {
  return name.trim().normalize('NFC');
}

/** Why `name` cannot be an org's name, or undefined when it can. */
export function orgNameProblem(name: string): string | undefined {
  const invisible = INVISIBLE.exec(name)?.[0];
  if (invisible === undefined) return undefined;
  const point = `U+${(invisible.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `must not hold invisible or control characters (it holds ${point}): type the name anew`;
}

/** The form in which two names that read the same are equal. */
export function orgNameKey(name: string): string {
  return normalizeOrgName(name).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
}

export function sameOrgName(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && orgNameKey(a) === orgNameKey(b);
}

/**
 * An org's key in the state store and the registry: its name as people read it. A Zoho client
 * ID does not identify an org (one server-based client serves many orgs and every data centre),
 * so the key is the org's own: a readable part for people, a hash of the name for uniqueness.
 */
export function orgIdentityKey(name: string): string {
  const key = orgNameKey(name);
  const readable = key
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  return `org-${readable ? `${readable}-` : ''}${hash}`;
}
