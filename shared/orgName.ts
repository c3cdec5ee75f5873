/**
 * An org's name is what people read in messages and type after `status --org` or `?org=`, so
 * two orgs must not read alike: "Café" written with an accent or with a combining accent, or
 * "Acme" and "Ac\u200bme" (a zero-width space), would look the same in a channel and in a list.
 * A name is kept in NFC, may hold no invisible or control character, and two names are the
 * same when they read the same (compatibility forms, case and spacing aside).
 */

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
