/**
 * What the HTTP and timer functions share, kept free of @azure/functions so the core stays
 * host-agnostic: JSON answers, and the error that marks a failed timer run as failed.
 */
import { describeError, CodedError } from './errors';
import type { Runtime } from './runtime';
import { type CheckReport, failuresOf } from './watch';

export interface JsonAnswer {
  status: number;
  jsonBody: unknown;
  headers: Record<string, string>;
}

export function jsonAnswer(status: number, body: unknown): JsonAnswer {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store' } };
}

/**
 * Answers with the runtime, or with a 500 when it cannot be built (invalid settings): the
 * answer says which settings, never a value.
 */
export async function withRuntime(getRuntime: () => Runtime, answer: (runtime: Runtime) => Promise<JsonAnswer>): Promise<JsonAnswer> {
  let runtime: Runtime;
  try {
    runtime = getRuntime();
  } catch (error) {
    return jsonAnswer(500, { error: describeError(error) });
  }
  return answer(runtime);
}

/**
 * Thrown by the timer when a check failed, so the invocation counts as failed in Application
 * Insights and the "checks failing" alert can fire. Carries the check's own safe error.
 */
export class CheckFailedError extends CodedError {
  constructor(report: CheckReport) {
    const cause = failuresOf(report)[0];
    super(cause?.code ?? 'CHECK_FAILED', `backup check ${report.outcome}: ${cause?.message ?? 'see the check report'}`, cause?.hint ?? '');
  }
}
