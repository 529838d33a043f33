import { Cron } from 'croner';

/**
 * Recovery point objective: the newest verified backup must be younger than the expected interval
 * between backups plus a margin for the backup itself to finish.
 */

const HOUR_MS = 60 * 60 * 1000;

/**
 * The longest gap between consecutive runs of a six-field NCRONTAB schedule over the next
 * `sample` runs after `from` (UTC). Irregular schedules (e.g. `0 0 1,13 * * *`) get their worst gap.
 * Throws RangeError when the expression has fewer than two future runs.
 */
export function scheduleIntervalMs(schedule: string, from: Date, sample = 32): number {
  const cron = new Cron(schedule, { paused: true, timezone: 'UTC' });
  const runs = cron.nextRuns(sample, from);
  if (runs.length < 2) throw new RangeError(`schedule '${schedule}' has fewer than two future runs`);
  let max = 0;
  for (let i = 1; i < runs.length; i++) {
    const a = runs[i - 1];
    const b = runs[i];
    if (a && b) max = Math.max(max, b.getTime() - a.getTime());
  }
  return max;
}

/** The RPO in ms: the configured hours, or (0) the schedule's interval plus one hour. */
export function rpoMs(input: { rpoHours: number; schedule: string; now: Date }): number {
  if (input.rpoHours > 0) return input.rpoHours * HOUR_MS;
  return scheduleIntervalMs(input.schedule, input.now) + HOUR_MS;
}

/** Whether a service breaches its RPO: no verified backup at all, or the newest is too old. */
export function decideRpoBreach(input: { newestVerifiedAt: Date | undefined; now: Date; rpoMs: number }): {
  breached: boolean;
  ageMs: number | undefined;
} {
  if (input.newestVerifiedAt === undefined) return { breached: true, ageMs: undefined };
  const ageMs = input.now.getTime() - input.newestVerifiedAt.getTime();
  return { breached: ageMs > input.rpoMs, ageMs };
}
