import { isIanaTimeZone, timerSchedule } from '../../shared/schedule/timer';
import type { Clock } from '../clock';
import type { LoadedFunction } from './invoke';
import { parseTimeSpan } from './settings';

/**
 * Timer triggers: six-field NCRONTAB (`sec min hour day month day-of-week`) or TimeSpan
 * (`hh:mm:ss`) schedules on the host's clock, `runOnStartup`, `isPastDue` and schedule status.
 * NCRONTAB runs in WEBSITE_TIME_ZONE (an IANA name, as on Linux plans; default UTC) with the real
 * host's rules: day-of-month AND day-of-week, and its DST handling (`timerSchedule` in
 * shared/backups/rpo.ts, which the RPO calculation uses too). Schedule status lives in memory (the
 * real host keeps it in storage).
 */

/** The payload the real host sends (PascalCase; the library camelCases it). */
export interface TimerPayload {
  Schedule: { AdjustForDST: boolean };
  ScheduleStatus: { Last: string; Next: string; LastUpdated: string } | null;
  IsPastDue: boolean;
}

interface Schedule {
  next(after: Date): Date;
}

/** Parses a schedule expression; throws naming the function and the rule. */
export function parseSchedule(functionName: string, expression: string, timeZone = 'UTC'): Schedule {
  const span = parseTimeSpan(expression);
  if (span !== undefined) {
    if (span <= 0)
      throw new Error(
        `Function '${functionName}': timer schedule '${expression}' must be a positive TimeSpan`,
      );
    return { next: (after) => new Date(after.getTime() + span) };
  }
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(
      `Function '${functionName}': timer schedule '${expression}' must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}) or a TimeSpan`,
    );
  }
  let cron: Schedule;
  try {
    cron = timerSchedule(expression, timeZone);
    cron.next(new Date(0));
  } catch (error) {
    throw new Error(
      `Function '${functionName}': timer schedule '${expression}' is invalid: ${(error as Error).message}`,
    );
  }
  return {
    next(after) {
      try {
        return cron.next(after);
      } catch {
        throw new Error(`Function '${functionName}': timer schedule '${expression}' has no next occurrence`);
      }
    },
  };
}

const NEVER = '0001-01-01T00:00:00';
/** Fires later than this after their due time count as past due. */
const PAST_DUE_TOLERANCE_MS = 1000;

interface Armed {
  readonly fn: LoadedFunction;
  readonly schedule: Schedule;
  cancel: () => void;
  last: Date | undefined;
  next: Date;
  lastUpdated: Date | undefined;
}

/** Runs the app's timer triggers on a clock. */
export class TimerTriggers {
  private readonly armed = new Map<string, Armed>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly invoke: (fn: LoadedFunction, payload: TimerPayload) => Promise<void>,
  ) {}

  /** Arms every timer function; those with runOnStartup also fire once now. */
  start(fns: readonly LoadedFunction[]): void {
    const now = this.clock.now();
    // The host applies app settings to process.env before starting timers.
    const timeZone = process.env['WEBSITE_TIME_ZONE'] || 'UTC';
    if (fns.length > 0 && !isIanaTimeZone(timeZone))
      throw new Error(
        `App setting WEBSITE_TIME_ZONE '${timeZone}' must be an IANA (tz database) time zone name such as Europe/Berlin (Linux plans; Windows zone ids are not supported)`,
      );
    for (const fn of fns) {
      const expression = typeof fn.trigger['schedule'] === 'string' ? fn.trigger['schedule'] : '';
      const schedule = parseSchedule(fn.name, expression, timeZone);
      const entry: Armed = {
        fn,
        schedule,
        cancel: () => undefined,
        last: undefined,
        next: schedule.next(now),
        lastUpdated: undefined,
      };
      this.armed.set(fn.name.toLowerCase(), entry);
      this.arm(entry);
      if (fn.trigger['runOnStartup'] === true) void this.fire(entry, false, now);
    }
  }

  /** Fires a timer function now, as the admin API does (`isPastDue: false`). */
  async fireNow(name: string): Promise<void> {
    const entry = this.armed.get(name.toLowerCase());
    if (!entry) throw new Error(`No timer-triggered function named '${name}'`);
    await this.fire(entry, false, this.clock.now());
  }

  /** Schedule status of a timer function (last/next occurrence). */
  status(name: string): { last: Date | undefined; next: Date } | undefined {
    const entry = this.armed.get(name.toLowerCase());
    return entry ? { last: entry.last, next: entry.next } : undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.armed.values()) entry.cancel();
  }

  private arm(entry: Armed): void {
    if (this.stopped) return;
    const due = entry.next;
    entry.cancel = this.clock.schedule(due, () => {
      const now = this.clock.now();
      const pastDue = now.getTime() - due.getTime() > PAST_DUE_TOLERANCE_MS;
      entry.next = entry.schedule.next(now);
      this.arm(entry);
      void this.fire(entry, pastDue, now);
    });
  }

  private async fire(entry: Armed, isPastDue: boolean, now: Date): Promise<void> {
    const payload: TimerPayload = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: entry.last ? entry.last.toISOString() : NEVER,
        Next: entry.next.toISOString(),
        LastUpdated: (entry.lastUpdated ?? now).toISOString(),
      },
      IsPastDue: isPastDue,
    };
    entry.last = now;
    entry.lastUpdated = now;
    await this.invoke(entry.fn, payload);
  }
}
