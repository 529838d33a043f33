import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { TransientError } from '../errors';
import type { AlertReport } from '../plans/report';
import { withAttached, type AttachedAlerts } from './attached';
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
 *   `runs/<runId>/alerts.json`, the run's summary (counts, first and last alerts; ./attached.ts),
 *   updated with ETag retries: attaching costs O(1) whatever the storm.
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

export interface RunStarter {
  runId: string;
  plan: string;
  alertId: string;
  rule: string;
  at: string;
}

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

function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function transient(what: string, error: unknown): TransientError {
  return new TransientError(
    `alert store: ${what} failed (status ${statusOf(error) ?? 'none'}): ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
    { code: 'AlertStoreUnavailable', cause: error },
  );
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An {@link AlertStore} on a blob container (created on first use). */
export function createAlertStore(
  container: ContainerClient,
  options: { recentAttempts?: number; now?: () => Date } = {},
): AlertStore {
  const now = options.now ?? (() => new Date());
  let ensured: Promise<unknown> | undefined;
  const ensure = async () => {
    ensured ??= container.createIfNotExists().catch((error: unknown) => {
      ensured = undefined;
      throw transient('creating the container', error);
    });
    await ensured;
  };
  const put = async (
    name: string,
    value: unknown,
    conditions?: { ifNoneMatch?: string; ifMatch?: string },
  ) => {
    const body = JSON.stringify(value);
    return container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
      ...(conditions === undefined ? {} : { conditions }),
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  };
  const read = async (name: string): Promise<{ text: string; etag: string } | undefined> => {
    try {
      const res = await container.getBlockBlobClient(name).download();
      const chunks: Buffer[] = [];
      for await (const c of res.readableStreamBody ?? []) chunks.push(Buffer.from(c as Buffer));
      return { text: Buffer.concat(chunks).toString('utf8'), etag: res.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw transient(`reading ${name}`, error);
    }
  };
  const readJson = async <T>(name: string, schema?: z.ZodType<T>): Promise<T | undefined> => {
    const got = await read(name);
    if (got === undefined) return undefined;
    const value = JSON.parse(got.text) as unknown;
    if (schema === undefined) return value as T;
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      throw new TransientError(`alert store: ${name} is unreadable`, { code: 'AlertRecordCorrupt' });
    return parsed.data;
  };
  const dedupeName = (key: string) => `dedupe/${key}.json`;
  const summaryName = (runId: string) => `runs/${runId}/alerts.json`;
  const attachedName = (runId: string, alertId: string, condition: 'Fired' | 'Resolved') =>
    `runs/${runId}/alerts/${alertKey(alertId, condition)}.json`;

  const indexName = (day: string, part: number) =>
    part === 0 ? `index/${day}.jsonl` : `index/${day}.${part}.jsonl`;

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
          await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson' } });
          await blob.appendBlock(line, bytes);
        }
        return;
      } catch (error) {
        // 409 BlockCountExceedsLimit (50,000 appends): the day goes on in its next part.
        if (
          statusOf(error) === 409 &&
          /BlockCountExceedsLimit/i.test(String((error as { code?: unknown }).code ?? error))
        )
          continue;
        throw transient('indexing a decision', error);
      }
    }
    throw new TransientError(`alert store: the index of ${day} is full (100 parts)`, {
      code: 'AlertIndexFull',
    });
  }

  async function updateRecent(d: AlertDecision): Promise<void> {
    const attempts = options.recentAttempts ?? 60;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const got = await read(RECENT_ALERTS_BLOB);
      const current = got === undefined ? undefined : (JSON.parse(got.text) as RecentAlerts);
      if (current?.decisions.some((x) => sameDecision(x, d))) return;
      try {
        await put(
          RECENT_ALERTS_BLOB,
          withRecent(current, d, now()),
          got === undefined ? { ifNoneMatch: '*' } : { ifMatch: got.etag },
        );
        return;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 412 && status !== 409) throw transient('updating recent.json', error);
      }
      // Someone else wrote first: read again after a short jittered pause (a storm of alerts writes
      // here concurrently).
      await sleep(Math.floor(Math.random() * Math.min(5 + attempt * 5, 100)));
    }
    throw new TransientError(`alert store: recent.json still contended after ${attempts} attempts`, {
      code: 'AlertRecentContended',
    });
  }

  return {
    async claim(record) {
      await ensure();
      try {
        await put(dedupeName(record.key), record, { ifNoneMatch: '*' });
        return undefined;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412) throw transient('claiming an alert', error);
      }
      const existing = (await readJson(dedupeName(record.key), dedupeRecordSchema)) as
        DedupeRecord | undefined;
      if (existing === undefined)
        throw new TransientError('alert store: a dedupe record vanished while being claimed', {
          code: 'AlertStoreRace',
        });
      return existing;
    },
    async getDedupe(key) {
      await ensure();
      return (await readJson(dedupeName(key), dedupeRecordSchema)) as DedupeRecord | undefined;
    },
    async putDedupe(record) {
      await ensure();
      try {
        await put(dedupeName(record.key), record);
      } catch (error) {
        throw transient('updating an alert record', error);
      }
    },
    async writeEvidence(key, day, evidence) {
      await ensure();
      const name = `alerts/${day}/${key}.json`;
      try {
        await put(name, evidence);
      } catch (error) {
        throw transient('writing alert evidence', error);
      }
      return name;
    },
    async record(decision) {
      await ensure();
      try {
        await put(decisionBlobName(decision), decision);
      } catch (error) {
        throw transient('recording a decision', error);
      }
      await appendIndex(decision);
      await updateRecent(decision);
    },
    async list(since, limit, at) {
      await ensure();
      const sinceIso = since.toISOString();
      const out: AlertDecision[] = [];
      for (const day of daysBetween(since, at)) {
        const seen = new Set<string>();
        const found: AlertDecision[] = [];
        for (let part = 0; ; part++) {
          const got = await read(indexName(day, part));
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
    async recent() {
      await ensure();
      return readJson<RecentAlerts>(RECENT_ALERTS_BLOB);
    },
    async setRunStarter(starter) {
      await ensure();
      try {
        // First writer wins: the alert that started the run.
        await put(`runs/${starter.runId}.json`, starter, { ifNoneMatch: '*' });
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412) throw transient('recording who started a run', error);
      }
    },
    async runStarter(runId) {
      await ensure();
      return readJson<RunStarter>(`runs/${runId}.json`);
    },
    async attach(runId, alert, countsAsResolved) {
      await ensure();
      const record = attachedName(runId, alert.alertId, alert.monitorCondition);
      if ((await read(record)) !== undefined) {
        const summary = await readJson<AttachedAlerts>(summaryName(runId));
        if (summary !== undefined) return summary;
      }
      const attempts = options.recentAttempts ?? 60;
      let summary: AttachedAlerts | undefined;
      for (let attempt = 0; summary === undefined; attempt++) {
        if (attempt >= attempts)
          throw new TransientError(
            `alert store: the alerts of run ${runId} still contended after ${attempts} attempts`,
            {
              code: 'AlertAttachContended',
            },
          );
        const got = await read(summaryName(runId));
        const current = got === undefined ? undefined : (JSON.parse(got.text) as AttachedAlerts);
        const next = withAttached(current, runId, alert, countsAsResolved, now());
        if (next === current) summary = current;
        else
          try {
            await put(
              summaryName(runId),
              next,
              got === undefined ? { ifNoneMatch: '*' } : { ifMatch: got.etag },
            );
            summary = next;
          } catch (error) {
            const status = statusOf(error);
            if (status !== 412 && status !== 409) throw transient('attaching an alert to a run', error);
            await sleep(Math.floor(Math.random() * Math.min(5 + attempt * 5, 100)));
          }
      }
      // The record after the count: a retry after a crash in between finds the alert in the
      // summary's lists (the newest are listed) and does not count it twice.
      try {
        await put(record, alert);
      } catch (error) {
        throw transient('recording an attached alert', error);
      }
      return summary;
    },
    async isAttached(runId, alertId, condition) {
      await ensure();
      return (await read(attachedName(runId, alertId, condition))) !== undefined;
    },
    async attached(runId) {
      await ensure();
      return readJson<AttachedAlerts>(summaryName(runId));
    },
    async writePayload(text, at) {
      await ensure();
      const name = `payloads/${at.toISOString().slice(0, 10)}/${sha256(text)}.json`;
      try {
        await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
      } catch (error) {
        throw transient('storing an alert payload', error);
      }
      return { blob: name, bytes: Buffer.byteLength(text) };
    },
    async readPayload(blob) {
      await ensure();
      return (await read(blob))?.text;
    },
  };
}
