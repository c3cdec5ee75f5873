import { CodedError } from '../errors';

/** Entry names come from the part itself: a damaged one may be 64 KB of anything. */
const MAX_PROBLEM_CHARS = 300;
const clip = (text: string) => (text.length > MAX_PROBLEM_CHARS ? `${text.slice(0, MAX_PROBLEM_CHARS)}…` : text);

/** A zip part that is not whole: named by its file and, where known, the entry. */
export class PartDamagedError extends CodedError {
  readonly entry?: string;

  constructor(
    readonly fileName: string,
    problem: string,
    entry?: string,
    /** The bytes stopped before the zip's end: with no Content-Length to compare, perhaps a cut connection. */
    readonly endedEarly = false,
  ) {
    super(
      'ARCHIVE_PART_DAMAGED',
      `${fileName}: ${clip(problem)}`,
      'This part is not a sound zip: it was not archived. Download it again from the links while they last, or take an immediate backup in Zoho CRM.',
    );
    this.entry = entry && clip(entry);
  }
}
