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
