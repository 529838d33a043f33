import { appendFileSync } from 'node:fs';

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
