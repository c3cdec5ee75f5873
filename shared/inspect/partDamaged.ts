import { CodedError } from '../errors';

/** A zip part that is not whole: named by its file and, where known, the entry. */
export class PartDamagedError extends CodedError {
  constructor(
    readonly fileName: string,
    readonly problem: string,
    readonly entry?: string,
  ) {
    super(
      'ARCHIVE_PART_DAMAGED',
      `${fileName}: ${problem}`,
      'This part is not a sound zip: it was not archived. Download it again from the links while they last, or take an immediate backup in Zoho CRM.',
    );
  }
}
