import { scheduleIntervalMs } from '../schedule/timer';

/**
 * Recovery point objective: the newest verified backup must be younger than the expected interval
 * between backups plus a margin for the backup itself to finish. The interval comes from the
 * schedule as the Functions timer fires it (shared/schedule/timer.ts).
 */

const HOUR_MS = 60 * 60 * 1000;

/** The RPO in ms: the configured hours, or (0) the schedule's interval in its time zone plus one hour. */
export function rpoMs(input: { rpoHours: number; schedule: string; timeZone: string; now: Date }): number {
  if (input.rpoHours > 0) return input.rpoHours * HOUR_MS;
  return scheduleIntervalMs(input.schedule, input.now, input.timeZone) + HOUR_MS;
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
