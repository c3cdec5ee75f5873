/**
 * What a message says, independent of where it goes. Every alert the product sends is a
 * Notice; the Slack and Teams renderers turn it into Block Kit or an Adaptive Card.
 */
import { visibleText } from '../visibleText';

export type Channel = 'slack' | 'teams';

export interface Notice {
  /** Short headline, e.g. "Zoho CRM backup ready". */
  title: string;
  tone: 'good' | 'warning' | 'danger' | 'info';
  /** One sentence that stands alone: notification previews and Slack's `text` fallback. */
  summary: string;
  /** `code`: an error code, shown in code style where the channel has one (Slack). */
  facts: Array<{ label: string; value: string; code?: string }>;
  links: Array<{ label: string; url: string }>;
  /** Small print: what a reader needs to know to act on the links. */
  note?: string;
}

/** The notice with every text in it shown as text (visibleText): the renderers start from this. */
export function visibleNotice(notice: Notice): Notice {
  return {
    ...notice,
    title: visibleText(notice.title),
    summary: visibleText(notice.summary),
    facts: notice.facts.map((f) => ({
      label: visibleText(f.label),
      value: visibleText(f.value),
      ...(f.code ? { code: visibleText(f.code) } : {}),
    })),
    links: notice.links.map((l) => ({ ...l, label: visibleText(l.label) })),
    ...(notice.note ? { note: visibleText(notice.note) } : {}),
  };
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

/** The calendar day of `date` in `timezone`, as a day number (for differences in days). */
function calendarDay(date: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
  return Date.parse(`${parts}T00:00:00Z`) / 86_400_000;
}

/**
 * "in 5 hours", "tomorrow", "in 6 days", "2 hours ago": hours and minutes within the same
 * calendar day, calendar days otherwise, counted in `timezone`. So "tomorrow" is said only of
 * tomorrow's date: links that expire the day after tomorrow at 00:30 read "in 2 days".
 */
export function formatRelative(date: Date, now: Date, timezone = 'UTC'): string {
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const days = calendarDay(date, timezone) - calendarDay(now, timezone);
  if (days !== 0) return format.format(days, 'day');
  const minutes = Math.round((date.getTime() - now.getTime()) / 60_000);
  return Math.abs(minutes) >= 60 ? format.format(Math.round(minutes / 60), 'hour') : format.format(minutes, 'minute');
}
