import { redact } from '../redact';
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

/**
 * The patterns this module applies to error text, which often echoes untrusted input (a zod
 * message quotes an unknown key of a request body). Each is linear in the text's length: no
 * quantifier can match the same characters two ways, and a match can only start where a fixed
 * character is (`\n`, `/`, a drive letter). Issue 20: the old stack stripper (`\s*\n\s*at …`)
 * backtracked cubically and blocked the process for 5 s on 3 KB of spaces and newlines.
 * Exported for test/unit/errors/regexCost.test.ts, which times each one on adversarial input.
 */
export const BOUNDARY_PATTERNS = {
  /**
   * A stack: from the newline before the first line whose text starts with `at ` (after any
   * indentation) to the end. The indentation class excludes `\n`, so each start scans one line;
   * the whitespace before the newline is removed by the trim that follows.
   */
  stack: /\n[^\S\n]*at [\s\S]*$/,
  /** The stack Node appends to an error: its `at` lines are indented. */
  indentedStack: /\n[^\S\n]+at [\s\S]*$/,
  /** The prefix Durable Functions writes before an activity's or orchestrator's message. */
  durablePrefix: /^(?:(?:Activity|Orchestrator) function '[^']*' failed: ?)+/,
  /** The taxonomy marker. */
  marker: /\[(?:nonRetryable|transient)\] ?/g,
  /** The code and Retry-After annotations of {@link toActivityError}. */
  annotation: / ?\((?:code=[^()]*|retryAfterMs=\d+)\)/g,
  /**
   * A source file path (posix, Windows or a file: URL) with an optional `:line:col`; ARM ids
   * (no JS/TS extension) stay. The look-behind lets a match start only at the beginning of a
   * path-like token: without it every `/` of a long token was a new start that rescanned the rest
   * of the token (quadratic); with it each token is scanned once from its start.
   */
  sourcePath:
    /(?<![\w.@+\\/-])(?:file:\/\/)?(?:[A-Za-z]:\\|\/)(?:[\w.@+-]+[\\/])*[\w.@+-]+\.[cm]?[jt]s(?::\d+)*/g,
} as const;
const MAX_MESSAGE = 1024;

/** Reads `retryAfterMs` from an error message that crossed the durable boundary, if present. */
export function retryAfterFromMessage(message: string): number | undefined {
  const m = /retryAfterMs=(\d+)/.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Reads the error code written by {@link toActivityError}, if present. */
export function codeFromMessage(message: string): string | undefined {
  return /\(code=([\w.:-]+)\)/.exec(message)?.[1];
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
    .replace(/^\[(?:nonRetryable|transient)\] /, '')
    .replace(BOUNDARY_PATTERNS.indentedStack, '')
    .trimEnd();
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
    .replace(BOUNDARY_PATTERNS.stack, '')
    .replace(BOUNDARY_PATTERNS.durablePrefix, '')
    .replace(BOUNDARY_PATTERNS.marker, '')
    .replace(BOUNDARY_PATTERNS.annotation, '')
    .replace(BOUNDARY_PATTERNS.sourcePath, '<path>')
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
