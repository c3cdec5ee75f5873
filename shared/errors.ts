/**
 * Every failure the product reports carries a stable `code` (looked up in the README's
 * troubleshooting table) and a `hint` that says what a person should do about it.
 * Messages are built from safe parts only: no secret, token or webhook URL ever enters one.
 */
export class NotifierError extends Error {
  readonly code: string;
  readonly hint: string;

  constructor(code: string, message: string, hint: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }

  /** What logs, HTTP answers and telemetry show: never a stack, a cause or a request. */
  toJSON(): { name: string; code: string; message: string; hint: string } {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint };
  }
}

/** A summary of any thrown value that is safe to log or answer over HTTP. */
export function describeError(error: unknown): { code: string; message: string; hint?: string } {
  if (error instanceof NotifierError) return { code: error.code, message: error.message, hint: error.hint };
  // Foreign errors (SDKs, sockets) may embed URLs or headers: keep only their class and code.
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'UNEXPECTED';
  const name = error instanceof Error ? error.name : typeof error;
  return { code, message: `unexpected ${name} (${code}); see the function logs for the stack` };
}
