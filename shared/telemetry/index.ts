import { redact } from '../redact';

/**
 * Structured telemetry (issue 12): one JSON log line per significant event, in one shape, so
 * Application Insights can query it: the Functions host writes each `context.log` line to the
 * `traces` table, where `parse_json(message)` turns it into columns (docs/telemetry.md).
 *
 * Shape: `event` first (`lifeboat.<area>.<what>`), then the correlation ids under fixed names
 * (`instanceId`, `runId`, `commandId` / `commandIds`, `alertId`), then what the event is about
 * (`site`, `service`, `plan`), then its own fields, then `outcome` and `error: { code, message }`.
 * Text values pass through the one redaction (no key, token or connection string survives).
 * Existing lines written by the kit (`finish`, the wrappers) already have this shape.
 */

/** Correlation ids and subjects, named once. */
export interface TelemetryIds {
  /** The durable instance (orchestration) the event belongs to. */
  instanceId?: string | undefined;
  /** A plan run id (issue 10). */
  runId?: string | undefined;
  /** One relay command id, or every command id of a flow. */
  commandId?: string | undefined;
  commandIds?: readonly string[] | undefined;
  /** An alert instance id (issue 11). */
  alertId?: string | undefined;
  site?: string | undefined;
  service?: string | undefined;
  plan?: string | undefined;
}

/** A line's fields: ids, then anything JSON, then outcome and error. */
export type TelemetryFields = TelemetryIds & {
  outcome?: string | undefined;
  error?: { code: string; message: string } | undefined;
  [field: string]: unknown;
};

const ID_ORDER = [
  'instanceId',
  'runId',
  'commandId',
  'commandIds',
  'alertId',
  'site',
  'service',
  'plan',
] as const;

function clean(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, clean(v)]),
    );
  return value;
}

/** The JSON text of one event (fields undefined are left out). */
export function telemetryLine(event: string, fields: TelemetryFields = {}): string {
  const { outcome, error, ...rest } = fields;
  const ordered: Record<string, unknown> = { event };
  for (const k of ID_ORDER) if (rest[k] !== undefined) ordered[k] = rest[k];
  for (const [k, v] of Object.entries(rest))
    if (!(ID_ORDER as readonly string[]).includes(k) && v !== undefined) ordered[k] = v;
  if (outcome !== undefined) ordered['outcome'] = outcome;
  if (error !== undefined) ordered['error'] = { code: error.code, message: error.message };
  return JSON.stringify(clean(ordered));
}

/** Where a line goes: an InvocationContext (or anything with log / warn / error). */
export interface TelemetrySink {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Writes one event at the level its outcome implies: `succeeded` (or none) → information,
 * `failed` → error, any other outcome → warning.
 */
export function emit(sink: TelemetrySink, event: string, fields: TelemetryFields = {}): void {
  const line = telemetryLine(event, fields);
  if (fields.outcome === undefined || fields.outcome === 'succeeded') sink.log(line);
  else if (fields.outcome === 'failed') sink.error(line);
  else sink.warn(line);
}
