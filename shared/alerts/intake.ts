import { ALERT_BLOB_REF_SCHEMA_ID, parseAlertMessage, type AlertBlobRef, type ParsedAlert } from './parse';

/**
 * The HTTP intake's decision (issue 11), pure: what to put on the queue for a body. A Storage
 * queue message holds at most 64 KiB, about 48 KB of content once base64-encoded (recovery.md,
 * "Azure Monitor alerts"); a larger alert (log alerts with search results reach about 256 KB) is
 * stored in a blob and the message carries a reference.
 */

/** Largest JSON text sent inline: 48,000 bytes is 64,000 characters of base64, under 64 KiB. */
export const INLINE_MAX_BYTES = 48_000;

export type IntakeDecision =
  | { kind: 'refused'; status: 400 | 413; code: string; message: string }
  | {
      kind: 'queue';
      /** The JSON text, minified (inline), or undefined when it goes to a blob first. */
      inline?: string;
      /** The minified JSON text to store when it is too large for a message. */
      blobText?: string;
      alerts: Pick<ParsedAlert, 'alertId' | 'monitorCondition' | 'rule' | 'truncated'>[];
    };

/** Checks size and shape; says what to queue. */
export function decideIntake(
  body: string,
  options: { maxPayloadBytes: number; inlineMaxBytes?: number; evidenceMaxBytes?: number },
): IntakeDecision {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > options.maxPayloadBytes)
    return {
      kind: 'refused',
      status: 413,
      code: 'PayloadTooLarge',
      message: `body: must be at most ${Math.floor(options.maxPayloadBytes / 1024)} KB (LIFEBOAT_ALERTS_MAX_PAYLOAD_KB)`,
    };
  const parsed = parseAlertMessage(body, {
    allowBlobRef: false,
    ...(options.evidenceMaxBytes === undefined ? {} : { evidenceMaxBytes: options.evidenceMaxBytes }),
  });
  if (parsed.kind === 'rejected')
    return { kind: 'refused', status: 400, code: parsed.code, message: parsed.reason };
  if (parsed.kind === 'blobRef')
    return {
      kind: 'refused',
      status: 400,
      code: 'NotAnAlert',
      message: 'schemaId: a blob reference is not an alert',
    };
  const bad = parsed.items.find((i) => i.kind === 'rejected');
  if (bad !== undefined && bad.kind === 'rejected')
    return { kind: 'refused', status: 400, code: bad.code, message: bad.reason };
  const alerts = parsed.items.flatMap((i) =>
    i.kind === 'alert'
      ? [
          {
            alertId: i.alertId,
            monitorCondition: i.monitorCondition,
            rule: i.rule,
            ...(i.truncated === undefined ? {} : { truncated: i.truncated }),
          },
        ]
      : [],
  );
  // Re-serialised: whitespace from the sender does not count against the message size.
  const text = JSON.stringify(JSON.parse(body) as unknown);
  return Buffer.byteLength(text, 'utf8') <= (options.inlineMaxBytes ?? INLINE_MAX_BYTES)
    ? { kind: 'queue', inline: text, alerts }
    : { kind: 'queue', blobText: text, alerts };
}

/** The queue message referring to a stored payload. */
export function blobRefMessage(
  blob: string,
  bytes: number,
  receivedAt: Date,
  first: Pick<ParsedAlert, 'alertId' | 'monitorCondition'>,
): AlertBlobRef {
  return {
    schemaId: ALERT_BLOB_REF_SCHEMA_ID,
    blob,
    bytes,
    receivedAt: receivedAt.toISOString(),
    alertId: first.alertId,
    monitorCondition: first.monitorCondition,
  };
}

/** The queue message text as the trigger expects it (host.json `messageEncoding: base64`). */
export function encodeForQueue(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
