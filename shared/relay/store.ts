import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { TransientError } from '../errors';

/**
 * Durable records of the relay in the app's storage (a private blob container):
 * - `commands/<commandId>.json`: what was sent (ids, site, type, mode, hash, expiry) and what
 *   became of it. The results trigger binds results to it, and "first valid result wins" is a
 *   conditional write (ETag) on it: open → claimed → raised, or open → closed when the
 *   orchestration stopped waiting (later results are late). The claim names the queue delivery
 *   that made it (message id and dequeue count): only a redelivery of that same message may raise
 *   a claimed record again, and it takes the claim over with another conditional write, so of any
 *   number of concurrent handlers exactly one raises (see results.ts).
 * - `ignored/<day>/<commandId|unknown>-<uuid>.json`: one audit record per ignored result, with
 *   the reason. No payload, no key material.
 */

const isoTime = z.iso.datetime();

/** Lifecycle of a sent command. */
export const COMMAND_STATES = ['open', 'claimed', 'raised', 'closed'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

export const commandRecordSchema = z.strictObject({
  v: z.literal(1),
  commandId: z.string(),
  instanceId: z.string(),
  site: z.string(),
  type: z.string(),
  mode: z.enum(['drill', 'failover']),
  commandHash: z.string(),
  issuedAt: isoTime,
  expiresAt: isoTime,
  sentAt: isoTime,
  state: z.enum(COMMAND_STATES),
  /** SHA-256 of the signed payload of the result that won. */
  resultHash: z.string().optional(),
  agentId: z.string().optional(),
  outcome: z.string().optional(),
  claimedAt: isoTime.optional(),
  /** The queue message whose handling claimed the record (when the trigger said). */
  claimMessageId: z.string().optional(),
  /** Its dequeue count at the claim: a retry of the claim is the same message with a higher one. */
  claimDequeueCount: z.number().int().optional(),
  raisedAt: isoTime.optional(),
  closedAt: isoTime.optional(),
  closeReason: z.string().optional(),
});
export type CommandRecord = z.infer<typeof commandRecordSchema>;

/** Why a result was not raised. */
export type IgnoredReason =
  | 'tooLarge'
  | 'malformed'
  | 'unknownKey'
  | 'badSignature'
  | 'badOutput'
  | 'agentMismatch'
  | 'unknownCommand'
  | 'notBound'
  | 'duplicate'
  | 'late'
  | 'instanceGone'
  /** A success for a drill-mode state-changing command: the agent must refuse those (a security event). */
  | 'drillViolation';

/** An audit record of an ignored result. */
export interface IgnoredResult {
  readonly reason: IgnoredReason;
  readonly detail: string;
  readonly at: string;
  readonly messageId?: string;
  readonly dequeueCount?: number;
  /** Only when the signature was valid (otherwise nothing in the message can be believed). */
  readonly commandId?: string;
  readonly agentId?: string;
  readonly keyId?: string;
  /** Set when the result breaks a safety rule a genuine agent never breaks (a security event to review). */
  readonly security?: true;
}

/** The record store the relay's functions use (a fake of this type in unit tests). */
export interface RelayStore {
  /** Creates the record unless one exists; returns the record now stored (the existing one on a re-run). */
  create(record: CommandRecord): Promise<CommandRecord>;
  get(commandId: string): Promise<{ record: CommandRecord; etag: string } | undefined>;
  /** Replaces the record if it still has `etag`; returns the new ETag, or undefined when someone else changed it first. */
  replace(record: CommandRecord, etag: string): Promise<string | undefined>;
  /** Records an ignored result. */
  ignored(entry: IgnoredResult): Promise<void>;
  /** Ignored-result records (tests and operators), newest last. */
  listIgnored(): Promise<IgnoredResult[]>;
}

function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}

function transient(what: string, error: unknown): TransientError {
  return new TransientError(
    `relay store: ${what} failed (status ${statusOf(error) ?? 'none'}): ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
    {
      code: 'RelayStoreUnavailable',
      cause: error,
    },
  );
}

/** A {@link RelayStore} on a blob container (created on first use). */
export function createRelayStore(container: ContainerClient): RelayStore {
  let ensured: Promise<unknown> | undefined;
  const ensure = async () => {
    ensured ??= container.createIfNotExists().catch((error: unknown) => {
      ensured = undefined;
      throw transient('creating the container', error);
    });
    await ensured;
  };
  const blob = (commandId: string) => container.getBlockBlobClient(`commands/${commandId}.json`);

  async function get(commandId: string): Promise<{ record: CommandRecord; etag: string } | undefined> {
    await ensure();
    try {
      // Body and ETag from one response: the conditional write that claims a record must be based
      // on exactly the version that was read.
      const res = await blob(commandId).download();
      const buf = await readAll(res.readableStreamBody);
      const parsed = commandRecordSchema.safeParse(JSON.parse(buf.toString('utf8')));
      if (!parsed.success)
        throw new TransientError(`relay store: record ${commandId} is unreadable`, {
          code: 'RelayRecordCorrupt',
        });
      return { record: parsed.data, etag: res.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      if (error instanceof TransientError) throw error;
      throw transient(`reading record ${commandId}`, error);
    }
  }

  return {
    async create(record) {
      await ensure();
      const body = JSON.stringify(record);
      try {
        await blob(record.commandId).upload(body, Buffer.byteLength(body), {
          conditions: { ifNoneMatch: '*' },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
        return record;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412) throw transient(`creating record ${record.commandId}`, error);
      }
      const existing = await get(record.commandId);
      if (existing === undefined)
        throw new TransientError(`relay store: record ${record.commandId} vanished while being created`, {
          code: 'RelayStoreRace',
        });
      return existing.record;
    },
    get,
    async replace(record, etag) {
      await ensure();
      const body = JSON.stringify(record);
      try {
        const res = await blob(record.commandId).upload(body, Buffer.byteLength(body), {
          conditions: { ifMatch: etag },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
        return res.etag ?? '';
      } catch (error) {
        if (statusOf(error) === 412) return undefined;
        throw transient(`updating record ${record.commandId}`, error);
      }
    },
    async ignored(entry) {
      await ensure();
      const body = JSON.stringify(entry);
      const name = `ignored/${entry.at.slice(0, 10)}/${entry.commandId ?? 'unknown'}-${randomUUID()}.json`;
      try {
        await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
      } catch (error) {
        throw transient('writing an ignored-result record', error);
      }
    },
    async listIgnored() {
      await ensure();
      const out: { at: string; entry: IgnoredResult }[] = [];
      for await (const b of container.listBlobsFlat({ prefix: 'ignored/' })) {
        const buf = await container.getBlockBlobClient(b.name).downloadToBuffer();
        const entry = JSON.parse(buf.toString('utf8')) as IgnoredResult;
        out.push({ at: entry.at, entry });
      }
      return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((o) => o.entry);
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (stream === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
