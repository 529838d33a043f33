import { publicError, type Problem } from '../errors';

/**
 * The one outcome vocabulary of every step and flow (backups, agent commands, Lync, Hyper-V,
 * restores and plans that come next):
 * - `succeeded`: it did what was asked (or found it already done: `alreadyDone: true`);
 * - `partial`: a fan-out where some parts succeeded and some did not (each part says which);
 * - `failed`: it tried and it did not work (`error` says why);
 * - `refused`: it was correctly not done: a drill asking for a failback, a tier that cannot be
 *   backed up, invalid input. A correct refusal is not a failure of Lifeboat;
 * - `timedOut`: no answer before the deadline; what happened is unknown (`error` says what was awaited).
 * Every outcome other than `succeeded` carries `error: { code, message }` (no stack, no path, no secret).
 */
export const OUTCOMES = ['succeeded', 'partial', 'failed', 'refused', 'timedOut'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type { Problem };

/** The part every result shares. */
export interface Result {
  readonly outcome: Outcome;
  readonly error?: Problem;
}

/** A refusal: correct behaviour, with the rule that refused. */
export function refused(code: string, message: string): { outcome: 'refused'; error: Problem } {
  return { outcome: 'refused', error: { code, message } };
}

/** A failure from any error (activity failure text included), as an operator reads it. */
export function failed(error: unknown, fallbackCode = 'Failed'): { outcome: 'failed'; error: Problem } {
  return { outcome: 'failed', error: publicError(error, fallbackCode) };
}

/** A timeout: what was awaited, and for how long. */
export function timedOut(code: string, message: string): { outcome: 'timedOut'; error: Problem } {
  return { outcome: 'timedOut', error: { code, message } };
}

/** Whether the outcome counts as done for the caller (a step that succeeded). */
export function isSuccess(result: Result): boolean {
  return result.outcome === 'succeeded';
}

/** Overall outcome of a fan-out: all succeeded → succeeded; none → the parts' common outcome or failed; else partial. */
export function combineOutcomes(parts: readonly Outcome[]): Outcome {
  if (parts.length === 0) return 'succeeded';
  const ok = parts.filter((p) => p === 'succeeded').length;
  if (ok === parts.length) return 'succeeded';
  if (ok > 0 || parts.includes('partial')) return 'partial';
  const first = parts[0]!;
  return parts.every((p) => p === first) ? first : 'failed';
}
