/**
 * Building blocks of the settings schema. Each turns an app setting (always a string) into the
 * typed value the core uses, or into one message of ours that names the setting and what is
 * expected; zod's own messages are never used, because they could quote a secret. zod/mini,
 * not zod's classic build: the same checks, a sixth of the code to load on every cold start.
 */
import * as z from 'zod/mini';
import { isAllowedUrl } from '../urls';

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90m", "6h", "1d" (or "0") in milliseconds; undefined when it is not such a duration. */
function parseDuration(text: string): number | undefined {
  if (text.trim() === '0') return 0;
  const match = text.trim().match(/^(\d{1,4})\s*([mhd])$/);
  const unit = match?.[2] && DURATION_UNITS[match[2]];
  return match && unit ? Number(match[1]) * unit : undefined;
}

/** A whole number from min to max, written as digits only; otherwise undefined. */
export function wholeIn(value: string, min: number, max: number): number | undefined {
  const n = /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  return n >= min && n <= max ? n : undefined;
}

/** A string setting read by `read`; undefined from it means the value is wrong, and `message` says why. */
export function parsedSetting<T>(message: string, read: (value: string) => T | undefined) {
  return z.pipe(
    z.string(),
    z.transform((value: string, ctx) => {
      const result = read(value);
      if (result === undefined) {
        ctx.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      }
      return result;
    }),
  );
}

export const required = (name: string, how: string) =>
  z.string({ error: `${name} is required: ${how}` }).check(z.minLength(1, { error: `${name} is required: ${how}` }));

export const optionalUrl = (name: string, what: string) =>
  z.optional(z.string().check(z.refine(isAllowedUrl, { error: `${name} must be an https:// URL (http:// only for localhost): ${what}` })));

/**
 * true/false in any case: ARM renders a Bicep bool as True/False, the portal and local files
 * write true/false. Anything else is an error rather than a silent false.
 */
export const booleanSetting = (name: string) =>
  z._default(
    parsedSetting(`${name} must be true or false`, (value) => {
      const lower = value.toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : undefined;
    }),
    false,
  );

export const durationSetting = (name: string, example: string) =>
  parsedSetting(`${name} must be a duration such as ${example}`, parseDuration);
