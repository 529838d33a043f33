import { redact } from '../contracts/redact';
import { classifyError, errorMessage, NonRetryableError, TransientError } from './taxonomy';

/**
 * How errors cross the Durable Functions boundary and reach an operator.
 *
 * An activity's error reaches the orchestration as text: Durable Functions builds
 * `Activity function 'x' failed: <message>` and appends the error's stack (with server file paths).
 * So the one place that maps activity errors ({@link toActivityError}) writes everything the
 * orchestration needs into the message (taxonomy marker, code, Retry-After), removes secrets and
 * replaces the stack with the message alone. {@link publicError} turns any error, local or crossed,
 * into the `{ code, message }` an operator reads: no marker, no stack, no path, no secret.
 */

/** What an operator reads about a failure. */
export interface Problem {
  readonly code: string;
  readonly message: string;
}

const DEFAULT_CODES = new Set(['NonRetryable', 'Transient']);
const MAX_MESSAGE = 1024;

/** Reads `retryAfterMs` from an error message that crossed the durable boundary, if present. */
export function retryAfterFromMessage(message: string): number | undefined {
  const m = /retryAfterMs=(\d+)/.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Reads the error code written by {@link toActivityError}, if present. */
export function codeFromMessage(message: string): string | undefined {
  return /\(code=([A-Za-z0-9_.:-]+)\)/.exec(message)?.[1];
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/**
 * The one mapping of an activity's error before it crosses the durable boundary: secrets
 * redacted; the taxonomy kept (an unclassified error is transient `Unexpected`: an activity crash
 * is more likely a fault than a permanent refusal); a non-default code and a Retry-After written
 * into the message, where {@link codeFromMessage} and {@link retryAfterFromMessage} read them back;
 * the stack reduced to the message so no server path reaches history, status or output.
 */
export function toActivityError(error: unknown): Error {
  const cls = classifyError(error);
  let message = redact(errorMessage(error))
    .replace(/^\[(nonRetryable|transient)\] /, '')
    .replace(/\n\s+at [\s\S]*$/, '');
  const code = codeOf(error) ?? codeFromMessage(message) ?? (cls === 'unknown' ? 'Unexpected' : undefined);
  if (code !== undefined && !DEFAULT_CODES.has(code) && codeFromMessage(message) === undefined)
    message += ` (code=${code})`;
  const retryAfterMs = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && !message.includes('retryAfterMs='))
    message += ` (retryAfterMs=${Math.round(retryAfterMs)})`;
  const out =
    cls === 'nonRetryable'
      ? new NonRetryableError(message, code === undefined ? {} : { code })
      : new TransientError(message, code === undefined ? {} : { code });
  out.stack = `${out.name}: ${out.message}`;
  return out;
}

/**
 * The `{ code, message }` an operator reads for any error: an activity failure as the
 * orchestration saw it, a thrown error, or the string output of a failed instance. Removes the
 * Durable Functions prefix, the taxonomy marker, the code and Retry-After annotations, any stack
 * trace and file path, and secrets.
 */
export function publicError(error: unknown, fallbackCode = 'Failed'): Problem {
  const raw = errorMessage(error);
  const code = codeOf(error) ?? codeFromMessage(raw);
  let message = raw
    // a stack: from the first line that starts with "at " (indented) to the end
    .replace(/\s*\n\s*at [\s\S]*$/, '')
    .replace(/^(?:(?:Activity|Orchestrator) function '[^']*' failed: ?)+/, '')
    .replace(/\[(nonRetryable|transient)\] ?/g, '')
    .replace(/ ?\((code=[^)]*|retryAfterMs=\d+)\)/g, '')
    // source file paths (posix, Windows or file: URLs) with an optional :line:col; ARM ids stay
    .replace(
      /(?:file:\/\/)?(?:[A-Za-z]:\\|\/)(?:[\w.@+-]+[\\/])*[\w.@+-]+\.(?:[cm]?js|[cm]?ts)(?::\d+)*/g,
      '<path>',
    )
    .trim();
  message = redact(message);
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 1)}…`;
  const cls = classifyError(error);
  return {
    code:
      code !== undefined && !DEFAULT_CODES.has(code)
        ? code
        : cls === 'nonRetryable'
          ? 'NonRetryable'
          : cls === 'transient'
            ? 'Transient'
            : fallbackCode,
    message: message === '' ? 'failed without a message' : message,
  };
}
