/**
 * The benchmark contract: each `test/bench/*.bench.ts` module exports `figures`, a list of
 * named measurements. `npm run bench [-- <prefix>]` runs those whose names start with a prefix
 * and prints one line per figure: `bench <name> <value> <unit>` (DEVELOPERS.md).
 */
export interface Figure {
  /** Name of the first figure this group prints; used for prefix filtering, with `names`. */
  readonly names: readonly string[];
  /** Runs the measurement once and reports every figure it produced. */
  run(): Promise<readonly Measurement[]>;
}

export interface Measurement {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/** Formats a measurement as the one-line figure format. */
export function formatMeasurement(m: Measurement): string {
  const value = Number.isInteger(m.value) ? String(m.value) : m.value.toFixed(m.value >= 100 ? 1 : 2);
  return `bench ${m.name} ${value} ${m.unit}`;
}

/** Milliseconds since `start` (from `performance.now()`), rounded to 0.1 ms. */
export function msSince(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/**
 * `npm run bench -- --smoke` (CI): every figure group runs once at its smallest size, to prove the
 * benchmark still runs; its figures are printed but mean nothing and nothing judges them. The
 * runner passes the mode to each bench process as `LIFEBOAT_BENCH_SMOKE=1`.
 */
export const SMOKE = process.env['LIFEBOAT_BENCH_SMOKE'] === '1';

/** `full` in a measuring run, `smallest` in a smoke run. */
export function benchSize(full: number, smallest: number): number {
  return SMOKE ? smallest : full;
}
