import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { TransientError } from '../errors';
import { recordStore } from '../storage';

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
export const IGNORED_REASONS = [
  'tooLarge',
  'malformed',
  'unknownKey',
  'badSignature',
  'badOutput',
  'agentMismatch',
  'unknownCommand',
  'notBound',
  'duplicate',
  'late',
  'instanceGone',
  /** A success for a drill-mode state-changing command: the agent must refuse those (a security event). */
  'drillViolation',
] as const;
export type IgnoredReason = (typeof IGNORED_REASONS)[number];

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

const ignoredResultSchema: z.ZodType<IgnoredResult> = z.strictObject({
  reason: z.enum(IGNORED_REASONS),
  detail: z.string(),
  at: isoTime,
  messageId: z.string().optional(),
  dequeueCount: z.number().int().optional(),
  commandId: z.string().optional(),
  agentId: z.string().optional(),
  keyId: z.string().optional(),
  security: z.literal(true).optional(),
}) as z.ZodType<IgnoredResult>;

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

/** A {@link RelayStore} on a blob container (created, private, on the first write). */
export function createRelayStore(container: ContainerClient): RelayStore {
  const commands = recordStore({ container, schema: commandRecordSchema, label: 'relay store' });
  const ignored = recordStore({ container, schema: ignoredResultSchema, label: 'relay store' });
  const commandBlob = (commandId: string) => `commands/${commandId}.json`;

  async function get(commandId: string): Promise<{ record: CommandRecord; etag: string } | undefined> {
    const found = await commands.read(commandBlob(commandId));
    return found === undefined ? undefined : { record: found.value, etag: found.etag };
  }

  return {
    async create(record) {
      if ((await commands.create(commandBlob(record.commandId), record)) !== undefined) return record;
      const existing = await get(record.commandId);
      if (existing === undefined)
        throw new TransientError(`relay store: record ${record.commandId} vanished while being created`, {
          code: 'RelayStoreRace',
        });
      return existing.record;
    },
    get,
    replace: (record, etag) => commands.replace(commandBlob(record.commandId), record, etag),
    async ignored(entry) {
      const name = `ignored/${entry.at.slice(0, 10)}/${entry.commandId ?? 'unknown'}-${randomUUID()}.json`;
      await ignored.put(name, entry);
    },
    async listIgnored() {
      const out: IgnoredResult[] = [];
      for (const name of await ignored.list('ignored/')) {
        const found = await ignored.read(name);
        if (found !== undefined) out.push(found.value);
      }
      return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    },
  };
}
