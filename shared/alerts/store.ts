import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { TransientError } from '../errors';
import { readBlobText, recordStore, writeBlobText } from '../storage';
import { RECENT_ALERTS_BLOB, type AlertDecision, type RecentAlerts } from './decision';

/**
 * The alert records (issue 11), in ALERTS_CONTAINER of the app's storage:
 * - `dedupe/<sha256(alertId|condition)>.json`: one per alert delivery seen, created with
 *   If-None-Match: * so of any number of concurrent deliveries exactly one claims it; the others
 *   are duplicates. It ends holding the decisions taken.
 * - `decisions/<yyyy-mm-dd>/<decidedAt>-<key>-<plan>-<decision>.json`: one per decision (the
 *   name is derived from the decision, so recording it again is idempotent); listed by
 *   `GET /api/alerts?since=`.
 * - `recent.json`: the newest {@link RECENT_MAX} decisions, newest first, for the status page
 *   (read by name, never listed), updated with ETag retries.
 * - `alerts/<yyyy-mm-dd>/<key>.json`: the alert as evidence (essentials, capped alertContext).
 * - `payloads/<yyyy-mm-dd>/<sha256>.json`: payloads too large for a queue message (the intake).
 * - `runs/<runId>.json`: which alert started a run (a Resolved of that rule cancels it while pending).
 */

export const RECENT_MAX = 50;

const decisionValues = [
  'started',
  'attached',
  'duplicate',
  'ignored',
  'refused',
  'cancelledPending',
  'recorded',
  'rejected',
] as const;

const decisionSchema = z.looseObject({
  alertId: z.string(),
  monitorCondition: z.enum(['Fired', 'Resolved']).optional(),
  rule: z.string().optional(),
  severity: z.string().optional(),
  signalType: z.string().optional(),
  plan: z.string().optional(),
  decision: z.enum(decisionValues),
  reason: z.string(),
  runId: z.string().optional(),
  decidedAt: z.string(),
  firedDateTime: z.string().optional(),
  messageId: z.string().optional(),
});

export const dedupeRecordSchema = z.strictObject({
  v: z.literal(1),
  key: z.string(),
  alertId: z.string(),
  monitorCondition: z.enum(['Fired', 'Resolved']),
  rule: z.string(),
  state: z.enum(['claimed', 'decided']),
  claimedAt: z.string(),
  /** The queue message that claimed it: only a redelivery of that message may take the claim over. */
  messageId: z.string().optional(),
  dequeueCount: z.number().int().optional(),
  evidence: z.string().optional(),
  decidedAt: z.string().optional(),
  decisions: z.array(decisionSchema).optional(),
});
/** The dedupe record (its decisions typed as the one decision shape). */
export type DedupeRecord = Omit<z.infer<typeof dedupeRecordSchema>, 'decisions'> & {
  decisions?: AlertDecision[];
};

const runStarterSchema = z.strictObject({
  runId: z.string(),
  plan: z.string(),
  alertId: z.string(),
  rule: z.string(),
  at: z.string(),
});
export type RunStarter = z.infer<typeof runStarterSchema>;

// The stored shapes are written by this module from typed values; the schemas check what readers
// rely on, and the casts give them back their declared types (AlertDecision is an interface).
const storedDecisionSchema = decisionSchema as unknown as z.ZodType<AlertDecision>;
const storedDedupeSchema = dedupeRecordSchema as unknown as z.ZodType<DedupeRecord>;
const recentAlertsSchema = z.looseObject({
  decisions: z.array(storedDecisionSchema),
  updatedAt: z.string(),
}) as unknown as z.ZodType<RecentAlerts>;

/** The store the alert functions use (an in-memory fake of this type in unit tests). */
export interface AlertStore {
  /** Creates the record unless one exists: undefined when created, else the existing record. */
  claim(record: DedupeRecord): Promise<DedupeRecord | undefined>;
  getDedupe(key: string): Promise<DedupeRecord | undefined>;
  /** Overwrites a record this delivery owns (its claim). */
  putDedupe(record: DedupeRecord): Promise<void>;
  /** Writes the alert as evidence; returns the blob name. */
  writeEvidence(key: string, day: string, evidence: unknown): Promise<string>;
  /** Records a decision (its own blob, and recent.json). Idempotent. */
  record(decision: AlertDecision): Promise<void>;
  /** Decisions decided at or after `since`, newest first, at most `limit`; `now` bounds the days listed. */
  list(since: Date, limit: number, now: Date): Promise<AlertDecision[]>;
  recent(): Promise<RecentAlerts | undefined>;
  setRunStarter(starter: RunStarter): Promise<void>;
  runStarter(runId: string): Promise<RunStarter | undefined>;
  /** Stores a payload (the intake); the name is derived from the content, so a retried delivery reuses it. */
  writePayload(text: string, now: Date): Promise<{ blob: string; bytes: number }>;
  /** A stored payload's text, or undefined when it is not there. */
  readPayload(blob: string): Promise<string | undefined>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The blob name of a decision: time-ordered, and the same for the same decision. */
export function decisionBlobName(d: AlertDecision): string {
  const day = d.decidedAt.slice(0, 10);
  const stamp = d.decidedAt.replace(/[-:]/g, '');
  const who = sha256(
    `${d.alertId}|${d.monitorCondition ?? ''}|${d.plan ?? ''}|${d.decision}|${d.reason}|${d.messageId ?? ''}`,
  ).slice(0, 16);
  return `decisions/${day}/${stamp}-${who}.json`;
}

/** Same decision (for idempotent re-recording into recent.json). */
const sameDecision = (a: AlertDecision, b: AlertDecision) => decisionBlobName(a) === decisionBlobName(b);

/** Newest first; ties keep a stable order. */
export function newestFirst(decisions: AlertDecision[]): AlertDecision[] {
  return [...decisions].sort((a, b) => (a.decidedAt < b.decidedAt ? 1 : a.decidedAt > b.decidedAt ? -1 : 0));
}

/** recent.json after adding `d`: newest first, at most {@link RECENT_MAX}, no repeat of the same decision. */
export function withRecent(current: RecentAlerts | undefined, d: AlertDecision, now: Date): RecentAlerts {
  const rest = (current?.decisions ?? []).filter((x) => !sameDecision(x, d));
  return { decisions: newestFirst([d, ...rest]).slice(0, RECENT_MAX), updatedAt: now.toISOString() };
}

/** The days (yyyy-mm-dd, UTC) from `now` back to `since`, newest first. */
export function daysBetween(since: Date, now: Date): string[] {
  const out: string[] = [];
  const first = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
  for (
    let t = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    t >= first;
    t -= 86_400_000
  )
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** When a decision blob was decided, from its name (`decisions/<day>/<yyyymmddThhmmss.sssZ>-...`). */
function decidedAtOfName(name: string): string | undefined {
  const m = /^decisions\/\d{4}-\d{2}-\d{2}\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?Z-/.exec(name);
  if (m === null) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`;
}

const LABEL = 'alert store';

/** An {@link AlertStore} on a blob container (created, private, on the first write). */
export function createAlertStore(
  container: ContainerClient,
  options: { recentAttempts?: number; now?: () => Date } = {},
): AlertStore {
  const now = options.now ?? (() => new Date());
  const dedupes = recordStore({ container, schema: storedDedupeSchema, label: LABEL });
  const decisions = recordStore({ container, schema: storedDecisionSchema, label: LABEL });
  const recents = recordStore({ container, schema: recentAlertsSchema, label: LABEL });
  const starters = recordStore({ container, schema: runStarterSchema, label: LABEL });
  const evidence = recordStore({ container, schema: z.unknown(), label: LABEL });
  const dedupeName = (key: string) => `dedupe/${key}.json`;

  return {
    async claim(record) {
      if ((await dedupes.create(dedupeName(record.key), record)) !== undefined) return undefined;
      const existing = await dedupes.read(dedupeName(record.key));
      if (existing === undefined)
        throw new TransientError('alert store: a dedupe record vanished while being claimed', {
          code: 'AlertStoreRace',
        });
      return existing.value;
    },
    getDedupe: async (key) => (await dedupes.read(dedupeName(key)))?.value,
    async putDedupe(record) {
      await dedupes.put(dedupeName(record.key), record);
    },
    async writeEvidence(key, day, value) {
      const name = `alerts/${day}/${key}.json`;
      await evidence.put(name, value);
      return name;
    },
    async record(decision) {
      await decisions.put(decisionBlobName(decision), decision);
      // A storm of alerts writes here concurrently: ETag retries with a short jittered pause.
      await recents.update(
        RECENT_ALERTS_BLOB,
        (current) =>
          current?.decisions.some((x) => sameDecision(x, decision)) === true
            ? undefined
            : withRecent(current, decision, now()),
        { attempts: options.recentAttempts ?? 60 },
      );
    },
    async list(since, limit, at) {
      const sinceIso = since.toISOString();
      const out: AlertDecision[] = [];
      for (const day of daysBetween(since, at)) {
        const names: { name: string; at: string }[] = [];
        for (const name of await decisions.list(`decisions/${day}/`)) {
          const decided = decidedAtOfName(name);
          if (decided !== undefined && new Date(decided).getTime() >= since.getTime())
            names.push({ name, at: decided });
        }
        names.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.name < b.name ? 1 : -1));
        for (const n of names) {
          if (out.length >= limit) return out;
          const d = (await decisions.read(n.name))?.value;
          if (d !== undefined && d.decidedAt >= sinceIso) out.push(d);
        }
        if (out.length >= limit) return out;
      }
      return out;
    },
    recent: async () => (await recents.read(RECENT_ALERTS_BLOB))?.value,
    async setRunStarter(starter) {
      // First writer wins: the alert that started the run.
      await starters.create(`runs/${starter.runId}.json`, starter);
    },
    runStarter: async (runId) => (await starters.read(`runs/${runId}.json`))?.value,
    async writePayload(text, at) {
      const name = `payloads/${at.toISOString().slice(0, 10)}/${sha256(text)}.json`;
      await writeBlobText(container, name, text, { contentType: 'application/json', label: LABEL });
      return { blob: name, bytes: Buffer.byteLength(text) };
    },
    readPayload: async (blob) => (await readBlobText(container, blob, LABEL))?.text,
  };
}
