import { publicError, type Problem } from '../errors';
import { OUTCOMES, type Outcome } from '../outcome';

/** The durable status fields a run view needs (structural, so shared/ does not depend on the SDK). */
export interface RunStatus {
  readonly name?: string | undefined;
  readonly instanceId?: string | undefined;
  readonly runtimeStatus?: string | undefined;
  readonly createdTime?: Date | string | undefined;
  readonly lastUpdatedTime?: Date | string | undefined;
  readonly customStatus?: unknown;
  readonly output?: unknown;
}

/** A run as an operator reads it. */
export interface RunView {
  readonly instanceId: string;
  readonly flow: string;
  readonly runtimeStatus: string;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  /** Phase, percent, what it waits for (custom status). */
  readonly progress: unknown;
  /** How it ended, in the one vocabulary; null while it runs. */
  readonly outcome: Outcome | null;
  readonly error: Problem | null;
  readonly result: unknown;
}

function iso(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  const d = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Shapes a durable status into the operator's view of the run. */
export function shapeRun(s: RunStatus): RunView {
  const runtimeStatus = String(s.runtimeStatus ?? 'Unknown');
  const output = s.output as { outcome?: unknown; error?: unknown } | string | null | undefined;
  let outcome: Outcome | null = null;
  let error: Problem | null = null;
  let result: unknown = null;
  if (runtimeStatus === 'Completed' && typeof output === 'object' && output !== null) {
    outcome = (OUTCOMES as readonly string[]).includes(String(output.outcome))
      ? (output.outcome as Outcome)
      : 'succeeded';
    if (output.error !== undefined) error = publicError(output.error, outcome);
    result = output;
  } else if (runtimeStatus === 'Failed') {
    outcome = 'failed';
    error = publicError(typeof output === 'string' ? output : 'failed without output', 'OrchestrationError');
  } else if (runtimeStatus === 'Terminated') {
    outcome = 'failed';
    error = {
      code: 'Terminated',
      message: typeof output === 'string' ? output : 'terminated by an operator',
    };
  }
  return {
    instanceId: s.instanceId ?? '',
    flow: s.name ?? '',
    runtimeStatus,
    createdAt: iso(s.createdTime),
    updatedAt: iso(s.lastUpdatedTime),
    progress: s.customStatus ?? null,
    outcome,
    error,
    result,
  };
}
