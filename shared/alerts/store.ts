import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { TransientError } from '../errors';
import type { AlertReport } from '../plans/report';
import {
  classifyStorageError,
  readBlobText,
  recordStore,
  statusOf,
  storageErrorCode,
  writeBlobText,
} from '../storage';
import { attachmentKey, mergeAttached, withAttached, type AttachedAlerts } from './attached';
import { RECENT_ALERTS_BLOB, type AlertDecision, type RecentAlerts } from './decision';
import { alertKey } from './parse';

/**
 * The alert records (issue 11), in ALERTS_CONTAINER of the app's storage:
 * - `dedupe/<sha256(alertId|condition)>.json`: one per alert delivery seen, created with
 *   If-None-Match: * so of any number of concurrent deliveries exactly one claims it; the others
 *   are duplicates. It ends holding the decisions taken.
 * - `decisions/<yyyy-mm-dd>/<decidedAt>-<key>-<plan>-<decision>.json`: one per decision (the
 *   name is derived from the decision, so recording it again is idempotent).
 * - `index/<yyyy-mm-dd>.jsonl` (then `.1.jsonl`, `.2.jsonl`... past an append blob's 50,000
 *   blocks): an append blob per day, one line per decision recorded; `GET /api/alerts?since=`
 *   reads one index per day instead of listing and reading every decision (issue 20). A decision
 *   recorded twice is listed once.
 * - `recent.json`: the newest {@link RECENT_MAX} decisions, newest first, for the status page
 *   (read by name, never listed), updated with ETag retries.
 * - `alerts/<yyyy-mm-dd>/<key>.json`: the alert as evidence (essentials, capped alertContext).
 * - `payloads/<yyyy-mm-dd>/<sha256>.json`: payloads too large for a queue message (the intake).
 * - `runs/<runId>.json`: which alert started a run (only an alert-started failover is cancelled by Resolved).
 * - `runs/<runId>/alerts/<sha256(alertId|condition)>.json`: one per alert attached to the run, and
 *   the run's summary (counts, first and last alerts; ./attached.ts) spread over
 *   {@link ATTACHED_SHARDS} blobs (`runs/<runId>/alerts.json`, `alerts.1.json`...; an alert counts
 *   in the shard its id and condition hash to), each updated with ETag retries and merged when
 *   read: attaching costs O(1) whatever the storm, and a batch of concurrent attaches rarely
 *   meets on one blob.
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
  'unverified',
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
  truncated: z.array(z.string()).optional(),
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
  /**
   * Attaches an alert to a run: its own record and the run's summary (counts, first and last
   * alerts). `countsAsResolved`: a Resolved whose Fired is attached to this run. Idempotent for an
   * alert already attached (the summary is returned unchanged).
   */
  attach(runId: string, alert: AlertReport, countsAsResolved: boolean): Promise<AttachedAlerts>;
  /** Whether this alert id with this condition is attached to the run. */
  isAttached(runId: string, alertId: string, condition: 'Fired' | 'Resolved'): Promise<boolean>;
  /** The run's attached alerts, or undefined when none was attached. */
  attached(runId: string): Promise<AttachedAlerts | undefined>;
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

const LABEL = 'alert store';

/**
 * How many summary blobs a run's attached alerts are spread over: a storm attaches 16 to 40 alerts
 * at once (the queue's batch), and one summary blob under ETag retries ran out of attempts; each
 * alert counts in the shard its alert id and condition hash to, and a read merges them.
 */
export const ATTACHED_SHARDS = 8;

const attachedSchema = z.looseObject({
  v: z.literal(1),
  runId: z.string(),
  total: z.number().int(),
  fired: z.number().int(),
  resolved: z.number().int(),
  first: z.array(z.looseObject({ alertId: z.string(), monitorCondition: z.enum(['Fired', 'Resolved']) })),
  last: z.array(z.looseObject({ alertId: z.string(), monitorCondition: z.enum(['Fired', 'Resolved']) })),
  listedBytes: z.number(),
  updatedAt: z.string(),
}) as unknown as z.ZodType<AttachedAlerts>;

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
  const summaries = recordStore({ container, schema: attachedSchema, label: LABEL });
  const attachments = recordStore({ container, schema: z.unknown(), label: LABEL });
  const dedupeName = (key: string) => `dedupe/${key}.json`;
  const shardOf = (alert: Pick<AlertReport, 'alertId' | 'monitorCondition'>) =>
    createHash('sha256').update(attachmentKey(alert)).digest().readUInt32BE(0) % ATTACHED_SHARDS;
  const summaryName = (runId: string, shard: number) =>
    shard === 0 ? `runs/${runId}/alerts.json` : `runs/${runId}/alerts.${shard}.json`;
  const attachedName = (runId: string, alertId: string, condition: 'Fired' | 'Resolved') =>
    `runs/${runId}/alerts/${alertKey(alertId, condition)}.json`;
  const indexName = (day: string, part: number) =>
    part === 0 ? `index/${day}.jsonl` : `index/${day}.${part}.jsonl`;

  /** The run's summary: its shards merged (undefined when no alert was attached). */
  async function attached(runId: string): Promise<AttachedAlerts | undefined> {
    const shards = await Promise.all(
      Array.from(
        { length: ATTACHED_SHARDS },
        async (_, i) => (await summaries.read(summaryName(runId, i)))?.value,
      ),
    );
    return mergeAttached(
      runId,
      shards.filter((x): x is AttachedAlerts => x !== undefined),
    );
  }

  /** Appends the decision to its day's index (append blobs: concurrent appends need no ETag). */
  async function appendIndex(d: AlertDecision): Promise<void> {
    const line = `${JSON.stringify(d)}\n`;
    const bytes = Buffer.byteLength(line);
    const day = d.decidedAt.slice(0, 10);
    for (let part = 0; part < 100; part++) {
      const blob = container.getAppendBlobClient(indexName(day, part));
      try {
        try {
          await blob.appendBlock(line, bytes);
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
          await container.createIfNotExists();
          await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson' } });
          await blob.appendBlock(line, bytes);
        }
        return;
      } catch (error) {
        // 409 BlockCountExceedsLimit (50,000 appends): the day goes on in its next part.
        if (statusOf(error) === 409 && /BlockCountExceedsLimit/i.test(storageErrorCode(error))) continue;
        throw classifyStorageError(error, `${LABEL}: indexing a decision`);
      }
    }
    throw new TransientError(
      `alert store: the index of ${day} is full (100 parts); retrying will not help today`,
      {
        code: 'AlertIndexFull',
      },
    );
  }

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
      await appendIndex(decision);
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
        const seen = new Set<string>();
        const found: AlertDecision[] = [];
        for (let part = 0; ; part++) {
          const got = await readBlobText(container, indexName(day, part), LABEL);
          if (got === undefined) break;
          for (const line of got.text.split('\n')) {
            if (line.trim() === '') continue;
            let value: unknown;
            try {
              value = JSON.parse(line);
            } catch {
              continue; // a torn line cannot happen with appendBlock, but a reader never fails on one
            }
            const d = decisionSchema.safeParse(value);
            if (!d.success || d.data.decidedAt < sinceIso) continue;
            const name = decisionBlobName(d.data as AlertDecision);
            if (seen.has(name)) continue;
            seen.add(name);
            found.push(d.data as AlertDecision);
          }
        }
        for (const d of newestFirst(found)) {
          if (out.length >= limit) return out;
          out.push(d);
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
    async attach(runId, alert, countsAsResolved) {
      const record = attachedName(runId, alert.alertId, alert.monitorCondition);
      if ((await attachments.read(record)) === undefined)
        // The alert counts in its shard (a retried attach finds it listed there and does not count
        // it twice); concurrent attaches spread over the shards.
        await summaries.update(
          summaryName(runId, shardOf(alert)),
          (current) => {
            const next = withAttached(current, runId, alert, countsAsResolved, now());
            return next === current ? undefined : next;
          },
          { attempts: options.recentAttempts ?? 60 },
        );
      // The record after the count: a retry after a crash in between finds the alert in its
      // shard's lists (the newest are listed) and does not count it twice.
      await attachments.put(record, alert);
      return (await attached(runId))!;
    },
    isAttached: async (runId, alertId, condition) =>
      (await attachments.read(attachedName(runId, alertId, condition))) !== undefined,
    attached,
    async writePayload(text, at) {
      const name = `payloads/${at.toISOString().slice(0, 10)}/${sha256(text)}.json`;
      await writeBlobText(container, name, text, { contentType: 'application/json', label: LABEL });
      return { blob: name, bytes: Buffer.byteLength(text) };
    },
    readPayload: async (blob) => (await readBlobText(container, blob, LABEL))?.text,
  };
}
