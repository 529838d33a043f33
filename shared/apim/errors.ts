import { NonRetryableError, TransientError } from '../errors';

/** HTTP statuses where trying again later can help (the SDK itself never retries 409). */
const TRANSIENT_STATUS = new Set([408, 409, 429]);
/** Errors that mean the request got no HTTP answer. */
const NO_ANSWER_NAMES = new Set(['RestError', 'AbortError', 'TimeoutError']);

interface RestErrorLike {
  name?: unknown;
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } };
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Turns an error from `@azure/arm-apimanagement` (a `RestError`, or a network failure) into the
 * retry taxonomy: 408/409/429/5xx and network errors are transient (409 ServiceLocked: the service
 * is transitioning), other 4xx are terminal. The ARM error `code` is kept; the message never
 * carries request bodies (they may hold an access key).
 */
export function classifyApimError(
  error: unknown,
  context: string,
  now: Date = new Date(),
): TransientError | NonRetryableError {
  if (error instanceof TransientError || error instanceof NonRetryableError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as RestErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (status === undefined) {
    const name = typeof e.name === 'string' ? e.name : '';
    // No HTTP answer: connection refused/reset, DNS, TLS, timeout. The request may not have arrived.
    if (
      NO_ANSWER_NAMES.has(name) ||
      (code !== undefined && /^(?:E[A-Z0-9_]+|REQUEST_SEND_ERROR)$/.test(code))
    ) {
      return new TransientError(
        `${context}: no answer from Azure Resource Manager (${code ?? name}): ${message}`,
        {
          code: code ?? 'NetworkError',
          cause: error,
        },
      );
    }
    // Anything else (SDK parameter validation, a missing credential, a programming error) fails
    // the same way every time.
    return new NonRetryableError(`${context}: ${name || 'Error'}: ${message}`, {
      code: code ?? 'UnexpectedError',
      cause: error,
    });
  }
  const label = `${context}: HTTP ${status}${code ? ` ${code}` : ''}: ${message}`;
  if (TRANSIENT_STATUS.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfterMs(e.response?.headers?.get?.('retry-after'), now);
    return new TransientError(label, {
      code: code ?? `Http${status}`,
      cause: error,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  return new NonRetryableError(label, { code: code ?? `Http${status}`, cause: error });
}
