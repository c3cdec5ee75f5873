/**
 * The watch record is read back from a store, so it is untrusted too: a hand edit, a foreign
 * or future writer, a damaged file. Its shape is checked where it is read (the repository and
 * status): a record of the wrong shape is refused with STATE_INVALID, naming the record and
 * the first field that is wrong, and is never written over. Unknown fields pass, so that a
 * newer release's record still reads.
 */
import * as z from 'zod/mini';
import { CodedError } from '../errors';
import type { WatchState } from './watchState';

const text = z.string();
const delivery = z.looseObject({ status: z.enum(['delivered', 'failed']), at: text, attempts: z.number() });
const deliveries = z.record(text, delivery);
const links = z.looseObject({ data: z.array(text), attachments: z.array(text) });
const notice = z.looseObject({
  title: text,
  tone: text,
  summary: text,
  facts: z.array(z.looseObject({ label: text, value: text })),
  links: z.array(z.looseObject({ label: text, url: text })),
});
const health = z.looseObject({
  consecutiveFailures: z.number(),
  incident: z.optional(z.looseObject({ since: text, code: text, message: text, alerted: z.boolean() })),
});

const watchStateSchema = z.looseObject({
  watchingSince: z.optional(text),
  backup: z.optional(
    z.looseObject({
      historyId: text,
      logTime: text,
      expiresAt: text,
      links,
      announce: z.boolean(),
      deliveries,
      missedEarlier: z.optional(z.looseObject({ historyId: text, logTime: text, expiresAt: text, links, channels: z.array(text) })),
      archive: z.optional(
        z.looseObject({ container: text, prefix: text, queuedAt: text, parts: z.record(text, z.looseObject({ status: text, at: text })) }),
      ),
    }),
  ),
  alerts: z.optional(
    z.record(
      text,
      z.looseObject({ kind: text, occurrence: text, raisedAt: text, notice, deliveries, audience: z.optional(z.array(text)) }),
    ),
  ),
  schedule: z.optional(z.looseObject({ id: text, status: text, scheduledDate: z.nullable(text), checkedAt: text })),
  health: z.optional(health),
  channels: z.optional(z.record(text, health)),
  claim: z.optional(z.looseObject({ owner: text, until: text })),
  lastCheck: z.optional(z.looseObject({ at: text, outcome: text })),
  lastSuccessAt: z.optional(text),
  lastError: z.optional(z.looseObject({ at: text, code: text, message: text })),
  movedTo: z.optional(text),
  history: z.optional(z.array(z.looseObject({ at: text, kind: text, summary: text }))),
});

class StateInvalidError extends CodedError {
  constructor(org: string, where: string | undefined, problem: string) {
    super(
      'STATE_INVALID',
      `The watch record of ${org}${where ? ` in ${where}` : ''} is not what this app writes: ${problem}. Nothing was changed or sent.`,
      'If it was edited by hand, restore it. Otherwise delete that record (the next check then announces the latest backup again): ' +
        'in a STATE_FILE, the entry "<org>/watch"; on Azure, the row with that key in the table zohobackupstate.',
    );
  }
}

/** The watch record's value, checked; undefined stays undefined (no record yet). */
export function parseWatchState(value: unknown, org: string, where?: string): WatchState | undefined {
  if (value === undefined) return undefined;
  const parsed = watchStateSchema.safeParse(value);
  if (parsed.success) return parsed.data as WatchState;
  const [issue] = parsed.error.issues;
  const path = issue?.path.length ? issue.path.join('.') : 'the record';
  // zod/mini carries no messages of its own: say what was expected.
  const expected = issue?.code === 'invalid_type' ? `expected ${issue.expected}` : `invalid (${issue?.code ?? 'shape'})`;
  throw new StateInvalidError(org, where, `${path} ${expected}`);
}
