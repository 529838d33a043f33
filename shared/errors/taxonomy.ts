/**
 * The retry taxonomy. Every error Lifeboat raises on purpose says whether trying again can help.
 * Errors that cross the Durable Functions boundary arrive as data (a message string), so callers
 * classify them by `name` and by the `[nonRetryable]` / `[transient]` marker this module writes
 * into the message, never with `instanceof` (docs/reference/errors.md).
 */

/** Trying again will not help: bad input, a tier that cannot be backed up, a refused command. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  /** A short machine-readable code (e.g. `InvalidConfiguration`, `UnsupportedTier`). */
  readonly code: string;
  /** How an HTTP route answers this error (400 when unset); only routes read it. */
  readonly status: number | undefined;
  constructor(message: string, options: { code?: string; cause?: unknown; status?: number } = {}) {
    super(`[nonRetryable] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'NonRetryable';
    this.status = options.status;
  }
}

/** Trying again later may help: throttling, a locked service, a 5xx, a network fault. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  readonly code: string;
  /** How long the remote side asked us to wait, when it said so. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { code?: string; retryAfterMs?: number; cause?: unknown } = {}) {
    super(`[transient] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'Transient';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** What an error (or the text of one that crossed the durable boundary) says about retrying. */
export type RetryClass = 'transient' | 'nonRetryable' | 'unknown';

/**
 * Classifies an error, or the message of an activity failure as Durable Functions reports it
 * (`Activity function 'x' failed: [transient] ...`). Unknown errors are `unknown`: callers decide,
 * usually by retrying a bounded number of times.
 */
export function classifyError(error: unknown): RetryClass {
  if (error instanceof Error) {
    if (error.name === 'NonRetryableError') return 'nonRetryable';
    if (error.name === 'TransientError') return 'transient';
    return classifyError(error.message);
  }
  if (typeof error === 'string') {
    if (error.includes('[nonRetryable]')) return 'nonRetryable';
    if (error.includes('[transient]')) return 'transient';
  }
  return 'unknown';
}

/** The message of any thrown value, for reports and logs (never includes a stack). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  // A `{ code, message }` (an outcome's error, a serialised error) is its message.
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  )
    return (error as { message: string }).message;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
