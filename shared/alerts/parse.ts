import { createHash } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from '../errors';
import { normaliseResourceId } from '../azure/resourceId';
import {
  ALERT_LIMITS,
  alertIdField,
  alertRuleField,
  targetIdField,
  targetIdsField,
} from '../plans/alertFields';

/**
 * Parsing of alert messages (issue 11), pure. What reaches Lifeboat (recovery.md, "Azure Monitor
 * alerts"):
 * - a common-schema alert (`schemaId: azureMonitorCommonAlertSchema`), as an action group's
 *   Azure Function or webhook receiver posts it to `POST /api/alerts`, or as a queue message;
 * - the same wrapped in an Event Grid event (single or array) or a CloudEvents 1.0 envelope (Event
 *   Grid's StorageQueue destination);
 * - a blob reference written by the intake for a payload too large for a queue message.
 * Anything else is a typed rejection whose reason names the field. Only `essentials` is read:
 * `alertContext` differs per monitoring service and is kept as capped evidence, never depended on.
 */

/** The common alert schema's id. */
export const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';
/** The schema id of the intake's blob reference messages. */
export const ALERT_BLOB_REF_SCHEMA_ID = 'lifeboat.alertBlobRef/1';
/** Where the intake stores large payloads, in ALERTS_CONTAINER (a reference may point nowhere else). */
export const ALERT_PAYLOAD_PREFIX = 'payloads/';

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const SEVERITY = ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'] as const;

/**
 * The free-text fields of `data.essentials` and the length each is kept to (issue 21, item 6): a
 * longer value is cut, not refused, and the alert says which fields were cut (`truncated`). An
 * alert with a 100 KB description is still an alert. Identifiers Lifeboat decides on (alertId,
 * alertRule, alertTargetIDs, monitorCondition, severity, times) are never cut: a wrong one is
 * refused, naming the field and the rule.
 */
export const ALERT_TEXT_LIMITS = {
  description: 4096,
  signalType: 100,
  monitoringService: 200,
  originAlertId: 2048,
  investigationLink: 2048,
  essentialsVersion: 20,
  alertContextVersion: 20,
} as const;

/** Cuts a string at `max` UTF-16 units without splitting a surrogate pair. */
function cutText(text: string, max: number): string {
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * The essentials with every free-text field over its limit cut (pure; other values untouched, so a
 * field of the wrong type is still refused by the schema), and the paths of the fields cut.
 */
export function truncateTextFields(value: Record<string, unknown>): {
  value: Record<string, unknown>;
  truncated: string[];
} {
  const data = value['data'];
  const essentials = isObject(data) ? data['essentials'] : undefined;
  if (!isObject(data) || !isObject(essentials)) return { value, truncated: [] };
  const truncated: string[] = [];
  const cut: Record<string, unknown> = { ...essentials };
  for (const [field, max] of Object.entries(ALERT_TEXT_LIMITS)) {
    const text = essentials[field];
    if (typeof text === 'string' && text.length > max) {
      cut[field] = cutText(text, max);
      truncated.push(`data.essentials.${field}`);
    }
  }
  if (truncated.length === 0) return { value, truncated };
  return { value: { ...value, data: { ...data, essentials: cut } }, truncated };
}

/** `data.essentials`: what Lifeboat reads. Unknown fields are allowed (Azure adds fields over time). */
export const essentialsSchema = z.looseObject({
  alertId: alertIdField,
  alertRule: alertRuleField,
  severity: z.enum(SEVERITY, { error: `must be one of ${SEVERITY.join(', ')}` }).optional(),
  signalType: z.string({ error: 'must be a string' }).max(ALERT_TEXT_LIMITS.signalType).optional(),
  monitorCondition: z.enum(['Fired', 'Resolved'], { error: 'must be "Fired" or "Resolved"' }),
  monitoringService: z
    .string({ error: 'must be a string' })
    .max(ALERT_TEXT_LIMITS.monitoringService)
    .optional(),
  alertTargetIDs: targetIdsField.optional(),
  configurationItems: z.array(targetIdField).max(ALERT_LIMITS.targetIds).optional(),
  originAlertId: z.string({ error: 'must be a string' }).max(ALERT_TEXT_LIMITS.originAlertId).optional(),
  firedDateTime: isoTime.optional(),
  resolvedDateTime: isoTime.optional(),
  description: z.string({ error: 'must be a string' }).max(ALERT_TEXT_LIMITS.description).optional(),
  essentialsVersion: z
    .string({ error: 'must be a string' })
    .max(ALERT_TEXT_LIMITS.essentialsVersion)
    .optional(),
  alertContextVersion: z
    .string({ error: 'must be a string' })
    .max(ALERT_TEXT_LIMITS.alertContextVersion)
    .optional(),
  investigationLink: z
    .string({ error: 'must be a string' })
    .max(ALERT_TEXT_LIMITS.investigationLink)
    .optional(),
});

export const commonAlertSchema = z.looseObject({
  schemaId: z.literal(COMMON_ALERT_SCHEMA_ID, { error: `must be "${COMMON_ALERT_SCHEMA_ID}"` }),
  data: z.looseObject(
    {
      essentials: essentialsSchema,
      alertContext: z.unknown().optional(),
      customProperties: z.record(z.string(), z.unknown()).nullable().optional(),
    },
    { error: 'must be an object with essentials' },
  ),
});

/** The intake's reference to a payload stored in ALERTS_CONTAINER. */
export const alertBlobRefSchema = z.strictObject({
  schemaId: z.literal(ALERT_BLOB_REF_SCHEMA_ID),
  blob: z
    .string()
    .max(512)
    .regex(/^payloads\/\d{4}-\d{2}-\d{2}\/[a-f0-9]{64}\.json$/, {
      error: 'must name a payload the intake stored (payloads/<day>/<sha256>.json)',
    }),
  /** When the intake received the alert. */
  receivedAt: isoTime,
  bytes: z.number().int().min(0),
  alertId: z.string().max(ALERT_LIMITS.alertId),
  monitorCondition: z.enum(['Fired', 'Resolved']),
});
export type AlertBlobRef = z.infer<typeof alertBlobRefSchema>;

/** An alert as Lifeboat uses it: essentials, normalised target ids, capped evidence. */
export interface ParsedAlert {
  kind: 'alert';
  alertId: string;
  rule: string;
  severity?: (typeof SEVERITY)[number];
  signalType?: string;
  monitorCondition: 'Fired' | 'Resolved';
  monitoringService?: string;
  /** As sent (for evidence). */
  targetIds: string[];
  /** Normalised ARM ids (case, slashes, whitespace), for matching. */
  normalisedTargetIds: string[];
  firedDateTime?: string;
  resolvedDateTime?: string;
  description?: string;
  /** How it arrived. */
  envelope: 'common' | 'eventGrid' | 'cloudEvents';
  /** `alertContext` as JSON, cut at the evidence cap (never read by decisions). */
  context?: { json: string; truncated: boolean; bytes: number };
  /** The free-text fields cut to their limit ({@link ALERT_TEXT_LIMITS}), by path (`data.essentials.description`). */
  truncated?: string[];
}

/** Why a message is not an alert; `reason` names the field and the rule. */
export interface AlertRejection {
  kind: 'rejected';
  code: 'InvalidJson' | 'NotAnAlert' | 'InvalidAlert' | 'TooLarge';
  reason: string;
  /** essentials.alertId when it could be read (for the record). */
  alertId?: string;
}

export type AlertMessage =
  | { kind: 'alerts'; items: (ParsedAlert | AlertRejection)[] }
  | { kind: 'blobRef'; ref: AlertBlobRef }
  | AlertRejection;

export interface ParseOptions {
  /** Cap of the kept `alertContext` JSON, in bytes. Default 16 KiB. */
  evidenceMaxBytes?: number;
  /** Accept a blob reference (the queue does; the HTTP intake does not). Default true. */
  allowBlobRef?: boolean;
}

const DEFAULT_EVIDENCE_BYTES = 16 * 1024;

function reject(code: AlertRejection['code'], reason: string, alertId?: string): AlertRejection {
  return { kind: 'rejected', code, reason, ...(alertId === undefined ? {} : { alertId }) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** essentials.alertId if it is there, for the record of a rejection. */
function peekAlertId(value: unknown): string | undefined {
  const id = (value as { data?: { essentials?: { alertId?: unknown } } } | null)?.data?.essentials?.alertId;
  return typeof id === 'string' && id.trim() !== '' ? id.trim().slice(0, ALERT_LIMITS.alertId) : undefined;
}

/** Cuts a UTF-8 string at `max` bytes without splitting a character. */
function capUtf8(text: string, max: number): { text: string; truncated: boolean; bytes: number } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return { text, truncated: false, bytes: buf.length };
  let end = max;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return { text: buf.subarray(0, end).toString('utf8'), truncated: true, bytes: buf.length };
}

/** A common-schema alert from a JSON value; `at` is where it sits in the message (for reasons). */
export function parseCommonAlert(
  value: unknown,
  envelope: ParsedAlert['envelope'],
  at: string,
  options: ParseOptions = {},
): ParsedAlert | AlertRejection {
  if (!isObject(value)) return reject('NotAnAlert', `${at}: must be a common-schema alert object`);
  if (value['schemaId'] !== COMMON_ALERT_SCHEMA_ID)
    return reject(
      'NotAnAlert',
      `${at === 'body' ? 'schemaId' : `${at}.schemaId`}: must be "${COMMON_ALERT_SCHEMA_ID}" (enable the common alert schema on the action group receiver)`,
      peekAlertId(value),
    );
  const { value: kept, truncated } = truncateTextFields(value);
  const parsed = commonAlertSchema.safeParse(kept, { reportInput: true });
  if (!parsed.success)
    return reject(
      'InvalidAlert',
      formatIssues(parsed.error.issues, at === 'body' ? {} : { prefix: at.split('.') }),
      peekAlertId(value),
    );
  const e = parsed.data.data.essentials;
  const targets = e.alertTargetIDs ?? [];
  const alert: ParsedAlert = {
    kind: 'alert',
    alertId: e.alertId,
    rule: e.alertRule,
    monitorCondition: e.monitorCondition,
    targetIds: targets,
    normalisedTargetIds: [...new Set(targets.filter((t) => t.trim() !== '').map(normaliseResourceId))],
    envelope,
    ...(e.severity === undefined ? {} : { severity: e.severity }),
    ...(e.signalType === undefined ? {} : { signalType: e.signalType }),
    ...(e.monitoringService === undefined ? {} : { monitoringService: e.monitoringService }),
    ...(e.firedDateTime === undefined ? {} : { firedDateTime: e.firedDateTime }),
    ...(e.resolvedDateTime === undefined ? {} : { resolvedDateTime: e.resolvedDateTime }),
    ...(e.description === undefined ? {} : { description: e.description.slice(0, 1000) }),
    ...(truncated.length === 0 ? {} : { truncated }),
  };
  const ctx = parsed.data.data.alertContext;
  if (ctx !== undefined && ctx !== null) {
    const cut = capUtf8(JSON.stringify(ctx), options.evidenceMaxBytes ?? DEFAULT_EVIDENCE_BYTES);
    alert.context = { json: cut.text, truncated: cut.truncated, bytes: cut.bytes };
  }
  return alert;
}

/** Whether a value looks like an Event Grid event (Event Grid schema). */
function isEventGridEvent(v: unknown): v is Record<string, unknown> {
  return isObject(v) && 'eventType' in v && 'data' in v && ('dataVersion' in v || 'metadataVersion' in v);
}

/** Whether a value looks like a CloudEvents 1.0 envelope. */
function isCloudEvent(v: unknown): v is Record<string, unknown> {
  return isObject(v) && 'specversion' in v;
}

/** `data` of a CloudEvents envelope: JSON `data`, or `data_base64` holding JSON. */
function cloudEventData(v: Record<string, unknown>, at: string): { value: unknown } | AlertRejection {
  if (v['specversion'] !== '1.0') return reject('NotAnAlert', `${at}.specversion: must be "1.0"`);
  if ('data' in v) {
    const d = v['data'];
    if (typeof d === 'string') {
      try {
        return { value: JSON.parse(d) as unknown };
      } catch {
        return reject('InvalidJson', `${at}.data: must be a JSON alert`);
      }
    }
    return { value: d };
  }
  if (typeof v['data_base64'] === 'string') {
    try {
      return { value: JSON.parse(Buffer.from(v['data_base64'], 'base64').toString('utf8')) as unknown };
    } catch {
      return reject('InvalidJson', `${at}.data_base64: must be a base64 JSON alert`);
    }
  }
  return reject('NotAnAlert', `${at}.data: is required (the alert)`);
}

/** Unwraps one envelope (Event Grid event, CloudEvent) or takes the value as the alert itself. */
function unwrap(v: unknown, at: string, options: ParseOptions): ParsedAlert | AlertRejection {
  if (isCloudEvent(v)) {
    const data = cloudEventData(v, at);
    if ('kind' in data) return data;
    return parseCommonAlert(data.value, 'cloudEvents', `${at === 'body' ? '' : `${at}.`}data`, options);
  }
  if (isEventGridEvent(v))
    return parseCommonAlert(v['data'], 'eventGrid', `${at === 'body' ? '' : `${at}.`}data`, options);
  return parseCommonAlert(v, 'common', at, options);
}

/**
 * Parses a message already read as JSON (a queue message the Functions worker decoded, or an HTTP
 * body): a common-schema alert, an Event Grid event or array of events, a CloudEvents envelope, or
 * (when allowed) a blob reference.
 */
export function parseAlertValue(value: unknown, options: ParseOptions = {}): AlertMessage {
  if (Array.isArray(value)) {
    if (value.length === 0) return reject('NotAnAlert', 'body: an empty array holds no alert');
    if (value.length > 100) return reject('TooLarge', 'body: an array of at most 100 events');
    if (!value.every((v) => isEventGridEvent(v) || isCloudEvent(v)))
      return reject(
        'NotAnAlert',
        `body[${value.findIndex((v) => !isEventGridEvent(v) && !isCloudEvent(v))}]: must be an Event Grid event or a CloudEvent (an array holds events)`,
      );
    return { kind: 'alerts', items: value.map((v, i) => unwrap(v, `[${i}]`, options)) };
  }
  if (isObject(value) && value['schemaId'] === ALERT_BLOB_REF_SCHEMA_ID) {
    if (options.allowBlobRef === false)
      return reject('NotAnAlert', `schemaId: "${ALERT_BLOB_REF_SCHEMA_ID}" is only accepted on the queue`);
    const ref = alertBlobRefSchema.safeParse(value, { reportInput: true });
    if (!ref.success) return reject('InvalidAlert', formatIssues(ref.error.issues));
    return { kind: 'blobRef', ref: ref.data };
  }
  if (!isObject(value)) return reject('NotAnAlert', 'body: must be a JSON object (a common-schema alert)');
  const one = unwrap(value, 'body', options);
  return one.kind === 'rejected' ? one : { kind: 'alerts', items: [one] };
}

/** Parses a message from text (JSON), or from what the Functions worker handed over (object, Buffer). */
export function parseAlertMessage(raw: unknown, options: ParseOptions = {}): AlertMessage {
  if (typeof raw === 'string' || Buffer.isBuffer(raw) || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    if (text.trim() === '') return reject('InvalidJson', 'body: is empty (expected a JSON alert)');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The parser's message quotes the input: say what is wrong without echoing the payload.
      return reject('InvalidJson', 'body: must be JSON (it is malformed or truncated)');
    }
    return parseAlertValue(value, options);
  }
  return parseAlertValue(raw, options);
}

/** The dedupe key of an alert delivery: alertId (case-folded: ARM-style ids) and its condition. */
export function alertKey(alertId: string, condition: 'Fired' | 'Resolved'): string {
  return createHash('sha256').update(`${alertId.trim().toLowerCase()}|${condition}`).digest('hex');
}
