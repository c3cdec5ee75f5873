/**
 * What a message says, independent of where it goes. Every alert the product sends is a
 * Notice; the Slack and Teams renderers turn it into Block Kit or an Adaptive Card.
 */
export type Channel = 'slack' | 'teams';

export interface Notice {
  /** Short headline, e.g. "Zoho CRM backup ready". */
  title: string;
  tone: 'good' | 'warning' | 'danger' | 'info';
  /** One sentence that stands alone: notification previews and Slack's `text` fallback. */
  summary: string;
  facts: Array<{ label: string; value: string }>;
  links: Array<{ label: string; url: string }>;
  /** Small print: what a reader needs to know to act on the links. */
  note?: string;
}

export interface MessageContext {
  timezone: string;
  now: Date;
}

/** "Fri, 27 Nov 2026, 17:31 UTC" in the configured zone. */
export function formatDateTime(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

const MINUTE: [Intl.RelativeTimeFormatUnit, number] = ['minute', 60_000];
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [['day', 86_400_000], ['hour', 3_600_000], MINUTE];

/** "in 6 days", "in 5 hours", "2 hours ago": the largest whole unit that fits. */
export function formatRelative(date: Date, now: Date): string {
  const delta = date.getTime() - now.getTime();
  const [unit, size] = UNITS.find(([, ms]) => Math.abs(delta) >= ms) ?? MINUTE;
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(Math.trunc(delta / size), unit);
}
