import type { LastRunStatus } from '../../backups/report';
import type { Outcome, Problem } from '../../outcome';

/** Durable runtime statuses of a run not finished yet. */
export const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** A finished run's outcome from its durable status (the one vocabulary), or where it is. */
export function runOutcome(run: LastRunStatus | undefined): {
  outcome: 'never' | 'running' | Outcome | 'terminated' | 'other';
  error: Problem | null;
} {
  if (run === undefined) return { outcome: 'never', error: null };
  if (RUNNING.has(run.runtimeStatus)) return { outcome: 'running', error: null };
  if (run.runtimeStatus === 'Terminated' || run.runtimeStatus === 'Canceled')
    return { outcome: 'terminated', error: null };
  if (run.runtimeStatus === 'Failed')
    return { outcome: 'failed', error: { code: 'OrchestrationFailed', message: 'the run crashed' } };
  if (run.runtimeStatus !== 'Completed') return { outcome: 'other', error: null };
  const out = run.output as { outcome?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  const outcome =
    typeof out?.outcome === 'string' &&
    ['succeeded', 'partial', 'failed', 'refused', 'timedOut'].includes(out.outcome)
      ? (out.outcome as Outcome)
      : 'succeeded';
  const e = out?.error;
  const error =
    e !== undefined && e !== null && typeof e.code === 'string' && typeof e.message === 'string'
      ? { code: e.code, message: e.message }
      : null;
  return { outcome, error };
}
