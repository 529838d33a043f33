import { z } from 'zod';

/**
 * A report write that carries only what changed since the previous write, so a plan run's
 * history grows with its steps, not with their square (issue 24): the orchestration keeps the
 * report it last wrote, sends the difference, and the `writePlanReport` activity applies it to the
 * stored report. Every operation sets or deletes a value at a path, so applying a change twice
 * (at-least-once delivery) gives the same report; a run's writes are sequential (each awaited), so
 * changes never arrive out of order.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** One operation: set the value at `path` (`[]`: the whole report), delete a key, or cut an array. */
export type ReportOp =
  { path: Path; set: unknown } | { path: Path; delete: true } | { path: Path; length: number };

const pathSchema = z.array(z.union([z.string(), z.number().int().min(0)])).max(16);
export const reportOpSchema = z.union([
  z.strictObject({ path: pathSchema, set: z.unknown() }),
  z.strictObject({ path: pathSchema, delete: z.literal(true) }),
  z.strictObject({ path: pathSchema, length: z.number().int().min(0) }),
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The operations turning `before` into `after` (pure; `before` undefined: set the whole value). */
export function reportChange(before: unknown, after: unknown): ReportOp[] {
  const ops: ReportOp[] = [];
  diff(before, after, [], ops);
  return ops;
}

function diff(a: unknown, b: unknown, path: Path, ops: ReportOp[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < b.length; i++) diff(a[i], b[i], [...path, i], ops);
    if (a.length > b.length) ops.push({ path, length: b.length });
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(b)) if (b[key] !== undefined) diff(a[key], b[key], [...path, key], ops);
    for (const key of Object.keys(a))
      if (a[key] !== undefined && b[key] === undefined) ops.push({ path: [...path, key], delete: true });
    return;
  }
  if (b === undefined) ops.push({ path, delete: true });
  // Through JSON, so the stored value is exactly what JSON.stringify of the report would write.
  else ops.push({ path, set: JSON.parse(JSON.stringify(b)) as Json });
}

/**
 * `report` with `ops` applied (pure: `report` is not changed). Throws a RangeError naming the path
 * when an operation does not fit the report (a change meant for another report: retrying will not
 * help).
 */
export function applyReportChange<T>(report: T | undefined, ops: readonly ReportOp[]): T {
  let root = (report === undefined ? undefined : structuredClone(report)) as unknown;
  for (const op of ops) {
    if (op.path.length === 0) {
      if (!('set' in op)) throw new RangeError('a report change can only set the whole report');
      root = structuredClone(op.set);
      continue;
    }
    let node = root;
    for (const key of op.path.slice(0, -1)) {
      const next = (node as Record<string | number, unknown> | undefined)?.[key];
      if (typeof next !== 'object' || next === null)
        throw new RangeError(`report change: no container at ${JSON.stringify(op.path)} (at '${key}')`);
      node = next;
    }
    if (typeof node !== 'object' || node === null)
      throw new RangeError(`report change: no container at ${JSON.stringify(op.path)}`);
    const last = op.path[op.path.length - 1]!;
    const target = node as Record<string | number, unknown>;
    if ('set' in op) target[last] = structuredClone(op.set);
    else if ('delete' in op) delete target[last];
    else {
      const array = target[last];
      if (!Array.isArray(array))
        throw new RangeError(`report change: ${JSON.stringify(op.path)} is not a list`);
      array.length = Math.min(array.length, op.length);
    }
  }
  if (root === undefined)
    throw new RangeError('report change: no stored report and no whole report to start from');
  return root as T;
}
