import { Cron } from 'croner';

/**
 * Timer schedules as the Functions host fires them (NCRONTAB with seconds, or a TimeSpan), in
 * WEBSITE_TIME_ZONE: when one fires next and the longest interval between runs. The local host's
 * timer triggers, the settings schema (time zone names) and the backups' RPO
 * (shared/backups/rpo.ts) all use these, so they sit below configuration in the layers.
 */

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** When a timer schedule fires next, strictly after `after`. */
export interface TimerSchedule {
  next(after: Date): Date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Whether `name` is an IANA (tz database) zone name this runtime knows, e.g. `Europe/Berlin`,
 * `America/New_York` or `UTC`. Windows zone ids (`W. Europe Standard Time`) and UTC offsets are
 * not: WEBSITE_TIME_ZONE takes tz database names on Linux plans, where Lifeboat runs.
 */
export function isIanaTimeZone(name: string): boolean {
  if (!/^[A-Z][\w+-]*(?:\/[\w+-]+)*$/i.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(instantMs: number, timeZone: string): number {
  const t = Math.floor(instantMs / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p['year']!, p['month']! - 1, p['day'], p['hour'], p['minute'], p['second']);
  return wall - t;
}

/** The instants whose wall-clock time is `wallMs` (a wall time written as if it were UTC). */
function instantsOf(
  wallMs: number,
  timeZone: string,
): { instants: number[]; offsets: number[]; standardOffset: number } {
  const offsets = new Set([
    offsetAt(wallMs - DAY_MS, timeZone),
    offsetAt(wallMs, timeZone),
    offsetAt(wallMs + DAY_MS, timeZone),
  ]);
  const instants = [...offsets]
    .filter((o) => offsetAt(wallMs - o, timeZone) === o)
    .map((o) => wallMs - o)
    .sort((a, b) => a - b);
  return { instants, offsets: [...offsets], standardOffset: Math.min(...offsets) };
}

/**
 * .NET's `new DateTimeOffset(localDateTime)`: a wall time that does not exist (skipped by "spring
 * forward") or exists twice (repeated by "fall back") takes the zone's standard offset.
 */
function wallToInstant(wallMs: number, timeZone: string): number {
  const { instants, standardOffset } = instantsOf(wallMs, timeZone);
  return instants.length === 1 ? instants[0]! : wallMs - standardOffset;
}

function isAmbiguous(instantMs: number, timeZone: string): boolean {
  return instantsOf(instantMs + offsetAt(instantMs, timeZone), timeZone).instants.length > 1;
}

/**
 * CronSchedule.IsInterval: the expanded second, minute or hour field is `*` or holds a range
 * (two consecutive values), as NCrontab's `ToString()` writes it.
 */
function isIntervalSchedule(expression: string): boolean {
  const [second, minute, hour] = expression.trim().split(/\s+/);
  const limits: [string | undefined, number][] = [
    [second, 59],
    [minute, 59],
    [hour, 23],
  ];
  return limits.some(([field, max]) => {
    if (field === undefined) return false;
    const values = new Set<number>();
    for (const item of field.split(',')) {
      const [range = '', stepText] = item.split('/');
      const step = stepText === undefined ? 1 : Number(stepText);
      let [lo, hi] = range === '*' ? [0, max] : range.split('-').map(Number);
      if (lo === undefined) continue;
      if (hi === undefined) hi = stepText === undefined ? lo : max;
      if (lo > hi) [lo, hi] = [hi, lo];
      for (let v = lo; v <= hi; v += Math.max(1, step)) values.add(v);
    }
    if (values.size === max + 1) return true;
    for (const v of values) if (values.has(v + 1)) return true;
    return false;
  });
}

/**
 * The Functions timer's NCRONTAB schedule in a time zone, as the timer host computes it:
 *
 * - Day-of-month and day-of-week must BOTH match (AND), not either (classic cron's OR). NCrontab's
 *   `CrontabSchedule.TryGetNextOccurrence` (atifaziz/NCrontab, NCrontab/CrontabSchedule.cs) picks
 *   the next day from the day-of-month field, then returns it only if
 *   `_daysOfWeek.Contains((int)nextTime.DayOfWeek)`, else tries the next day; its maintainer
 *   confirms it keeps the original semantics (atifaziz/NCrontab issue #107). croner's equivalent
 *   is `domAndDow: true` (its `legacyMode`, default true, is the OR rule).
 * - Occurrences are computed on the local wall clock (NCrontab has no time zones; the host runs it
 *   on `DateTime.Now`, which follows WEBSITE_TIME_ZONE), then placed in time by
 *   `CronSchedule.GetNextOccurrence` (Azure/azure-webjobs-sdk-extensions,
 *   src/WebJobs.Extensions/Extensions/Timers/Scheduling/CronSchedule.cs): a wall time skipped by
 *   "spring forward" takes the standard offset (02:30 fires at 03:30 summer time); in the repeated
 *   hour of "fall back" a point-in-time schedule fires once, at the first (daylight) occurrence,
 *   and an interval schedule (`*`, `-` or `/` in the second, minute or hour field) runs through it.
 *
 * `timeZone` is an IANA name; throws RangeError for an unknown one.
 */
export function timerSchedule(expression: string, timeZone: string): TimerSchedule {
  if (!isIanaTimeZone(timeZone)) throw new RangeError(`'${timeZone}' is not an IANA time zone name`);
  // Croner on a wall clock written as UTC plays NCrontab on a local DateTime.
  const wall = new Cron(expression, { paused: true, timezone: 'Etc/UTC', domAndDow: true });
  const interval = isIntervalSchedule(expression);
  const nextWall = (afterWallMs: number): number => {
    const n = wall.nextRun(new Date(afterWallMs));
    if (!n) throw new RangeError(`schedule '${expression}' has no next occurrence`);
    return n.getTime();
  };
  return {
    next(after: Date): Date {
      const now = after.getTime();
      const nowOffset = offsetAt(now, timeZone);
      let next = wallToInstant(nextWall(now + nowOffset), timeZone);
      const nextOffset = offsetAt(next, timeZone);
      const nowAmbiguous = isAmbiguous(now, timeZone);
      const nextAmbiguous = isAmbiguous(next, timeZone);
      if (nextOffset !== nowOffset && (nextAmbiguous || (interval && nowAmbiguous))) {
        // Leaving daylight time: move to the daylight occurrence of the repeated wall time.
        next += nextOffset - nowOffset;
      } else if (!interval && nextAmbiguous) {
        // Already in the repeated hour on standard time: the daylight run is assumed done.
        let w = next + nextOffset;
        while (isAmbiguous(wallToInstant(w, timeZone), timeZone)) w = nextWall(w);
        next = wallToInstant(w, timeZone);
      }
      return new Date(next);
    },
  };
}

/**
 * The longest gap between consecutive firings of a six-field NCRONTAB schedule in `timeZone`,
 * from the second-last firing before `now` through `sample` firings after it: the gaps the newest
 * backup may have to cover now or soon. Irregular schedules (e.g. `0 0 1,13 * * *`) get their
 * worst gap; a daily schedule gets 25 h across the night the clocks go back.
 * Throws RangeError when the expression has fewer than two future runs.
 */
export function scheduleIntervalMs(schedule: string, now: Date, timeZone = 'UTC', sample = 32): number {
  const timer = timerSchedule(schedule, timeZone);
  const wall = new Cron(schedule, { paused: true, timezone: 'Etc/UTC', domAndDow: true });
  const nowWall = now.getTime() + offsetAt(now.getTime(), timeZone);
  const past = wall.previousRuns(2, new Date(nowWall));
  // Start just before the second-last wall-clock run, early enough for an offset change to move it.
  const earliest = past.length > 0 ? past[past.length - 1]!.getTime() : nowWall;
  const { offsets } = instantsOf(earliest, timeZone);
  const slack = Math.max(...offsets) - Math.min(...offsets) + 1000;
  let t = new Date(wallToInstant(earliest, timeZone) - slack);
  const runs: number[] = [];
  let after = 0;
  while (after < sample) {
    let n: Date;
    try {
      n = timer.next(t);
    } catch {
      break;
    }
    if (n.getTime() > now.getTime()) after++;
    runs.push(n.getTime());
    t = n;
  }
  if (after < 2) throw new RangeError(`schedule '${schedule}' has fewer than two future runs`);
  const firstCounted = Math.max(0, runs.findIndex((r) => r > now.getTime()) - 2);
  let max = 0;
  for (let i = firstCounted + 1; i < runs.length; i++) max = Math.max(max, runs[i]! - runs[i - 1]!);
  return max;
}
