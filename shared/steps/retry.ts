import type { RetryClass } from '../errors';

/**
 * Backoff with jitter for every retried step (409 ServiceLocked and transient errors:
 * apim-backup-restore.md, "Errors worth handling"; agent command sends). Randomness is an input (`random` in [0, 1)) so orchestrations can
 * derive it from `context.df.newGuid` and replay identically.
 */
export interface BackoffInput {
  /** 0 for the first retry. */
  attempt: number;
  baseMs: number;
  /** Upper bound of the exponential part. */
  maxMs: number;
  /** A number in [0, 1). */
  random: number;
  /** What the service asked for (Retry-After); the delay is never shorter. */
  retryAfterMs?: number | undefined;
}

/**
 * "Equal jitter": half the exponential delay plus a random share of the other half, so retries
 * of many services spread out but none retries immediately. Never below `retryAfterMs`.
 */
export function backoffDelayMs(input: BackoffInput): number {
  const { attempt, baseMs, maxMs } = input;
  const random = Math.min(Math.max(input.random, 0), 0.999999);
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const delay = Math.round(exp / 2 + (exp / 2) * random);
  return Math.max(delay, Math.max(0, input.retryAfterMs ?? 0));
}

/** Whether to try again after an error, and when. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Transient and unknown errors are retried while the budget lasts (unknown: an activity crash is
 * more likely a fault than a permanent refusal); non-retryable errors never.
 */
export function decideRetry(input: {
  errorClass: RetryClass;
  /** Retries already spent in this run. */
  retriesUsed: number;
  budget: number;
  baseMs: number;
  maxMs: number;
  random: number;
  retryAfterMs?: number | undefined;
}): RetryDecision {
  if (input.errorClass === 'nonRetryable') return { retry: false, reason: 'the error is not retryable' };
  if (input.retriesUsed >= input.budget) {
    return { retry: false, reason: `the retry budget (${input.budget}) is spent` };
  }
  return {
    retry: true,
    delayMs: backoffDelayMs({
      attempt: input.retriesUsed,
      baseMs: input.baseMs,
      maxMs: input.maxMs,
      random: input.random,
      retryAfterMs: input.retryAfterMs,
    }),
  };
}

/** Maps a GUID (e.g. from `context.df.newGuid`) to a number in [0, 1): deterministic jitter. */
export function randomFromGuid(guid: string): number {
  const hex = guid.replace(/[^0-9a-f]/gi, '').slice(-8);
  if (hex.length === 0) return 0;
  return parseInt(hex, 16) / 2 ** (hex.length * 4);
}
