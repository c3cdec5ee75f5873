/**
 * Thrown by the timer when a check failed, so the invocation counts as failed in Application
 * Insights and the "checks failing" alert can fire. Carries the check's own safe error.
 */
import { CodedError } from '../errors';
import { type CheckReport, failuresOf } from './types';

export class CheckFailedError extends CodedError {
  constructor(report: CheckReport) {
    const cause = failuresOf(report)[0];
    super(cause?.code ?? 'CHECK_FAILED', `backup check ${report.outcome}: ${cause?.message ?? 'see the check report'}`, cause?.hint ?? '');
  }
}
