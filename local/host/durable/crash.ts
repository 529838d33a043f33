/**
 * Crash points for the crash test (issue 24), local host only: `LIFEBOAT_LOCAL_CRASH_AT` names
 * where the host kills itself with SIGKILL, as a Functions host that dies there would.
 *
 * Syntax: points separated by commas, each `<function>:<before|after>[:<n>]` (n-th time, default 1):
 * - an activity: `before` its n-th invocation starts (nothing of it ran), `after` it returned and
 *   before its result is recorded (its side effect happened; the host will run it again);
 * - an orchestrator: `before` its n-th episode runs (the work item taken, nothing committed),
 *   `after` the episode committed and before what it scheduled starts (a step boundary).
 */

/** One crash point. */
export interface CrashPoint {
  readonly fn: string;
  readonly when: 'before' | 'after';
  readonly nth: number;
}

const POINT = /^([\w.-]+):(before|after)(?::(\d+))?$/;

/** Parses `LIFEBOAT_LOCAL_CRASH_AT`; throws naming the setting and the rule on bad input. */
export function parseCrashPoints(text: string | undefined): CrashPoint[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const m = POINT.exec(part.trim());
    const nth = Number(m?.[3] ?? '1');
    if (!m || !(nth >= 1))
      throw new RangeError(
        `LIFEBOAT_LOCAL_CRASH_AT: '${part.trim()}' is not <function>:<before|after>[:<n>] with n a whole number from 1 (e.g. 'restoreApimBegin:after:1')`,
      );
    return { fn: m[1]!.toLowerCase(), when: m[2] as 'before' | 'after', nth };
  });
}

/** Counts arrivals at each point and kills the process at the chosen ones. */
export class CrashPoints {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly points: readonly CrashPoint[],
    private readonly log: (line: string) => void,
    /** How to die: SIGKILL to this process (default), or a test's stand-in. */
    private readonly kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {}

  /** True when any point is set (the engine skips the bookkeeping otherwise). */
  get armed(): boolean {
    return this.points.length > 0;
  }

  /** Called at each point; kills the process when this is the chosen arrival. */
  reached(fn: string, when: 'before' | 'after'): void {
    if (this.points.length === 0) return;
    const key = `${fn.toLowerCase()}:${when}`;
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (this.points.some((p) => `${p.fn}:${p.when}` === key && p.nth === n)) {
      this.log(`LIFEBOAT_LOCAL_CRASH_AT: killing the host at ${fn}:${when}:${n}`);
      this.kill();
    }
  }
}
