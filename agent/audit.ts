import { appendFileSync } from 'node:fs';
import { capText } from '../shared/contracts';
import { redact } from '../shared/redact';

/**
 * The audit log: one JSON line per decision, with command id and type, never a secret (no keys,
 * no signatures, no parameters: parameters are site topology, which the results queue already
 * carries; the audit needs only what was decided about which command).
 */
export type AuditEventName =
  | 'received'
  | 'rejected'
  | 'answeredFromLedger'
  | 'executing'
  | 'executed'
  | 'recovered'
  | 'resultSent'
  | 'deleted'
  | 'sendFailed'
  | 'deleteFailed';

export interface AuditEvent {
  readonly event: AuditEventName;
  readonly commandId?: string | undefined;
  readonly type?: string | undefined;
  readonly mode?: string | undefined;
  readonly reason?: string | undefined;
  readonly detail?: string | undefined;
  readonly outcome?: string | undefined;
  readonly messageId?: string | undefined;
  readonly dequeueCount?: number | undefined;
}

/** Receives audit events. */
export type AuditSink = (event: AuditEvent) => void;

/** Longest text field of an audit line: a message can hold 64 KiB, its audit line stays short. */
export const MAX_AUDIT_FIELD_CHARS = 500;

/**
 * Redacts and caps a log line: every line the agent prints passes through it, so a secret the
 * Azure SDK quotes in an error (a SAS `sig=` in an echoed URL) never reaches the console.
 */
export function safeLogLine(text: string, max = 2000): string {
  return capText(redact(text), max);
}

/**
 * Wraps a sink so every text field is redacted (the app's rules, shared/redact/index.ts) and
 * capped at {@link MAX_AUDIT_FIELD_CHARS}, whoever wrote the event. Redaction comes first: cutting
 * first could leave a secret's start without the `sig=` that identifies it.
 */
export function safeAudit(sink: AuditSink): AuditSink {
  if ((sink as { safe?: true }).safe === true) return sink;
  const wrapped = ((event: AuditEvent) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(event))
      out[k] = typeof v === 'string' ? capText(redact(v), MAX_AUDIT_FIELD_CHARS) : v;
    sink(out as unknown as AuditEvent);
  }) as AuditSink & { safe: true };
  wrapped.safe = true;
  return wrapped;
}

/** One JSON line per event, with time, agent and site, to a file (appended synchronously) or stdout. */
export function jsonLinesAudit(options: {
  agentId: string;
  site: string;
  now: () => Date;
  file?: string;
}): AuditSink {
  return (event) => {
    const line =
      JSON.stringify({
        ts: options.now().toISOString(),
        agentId: options.agentId,
        site: options.site,
        ...event,
      }) + '\n';
    if (options.file === undefined) process.stdout.write(line);
    else appendFileSync(options.file, line);
  };
}

/** An in-memory audit sink (tests). */
export function memoryAudit(): AuditSink & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  const sink = ((event: AuditEvent) => {
    events.push(event);
  }) as AuditSink & { events: AuditEvent[] };
  sink.events = events;
  return sink;
}
