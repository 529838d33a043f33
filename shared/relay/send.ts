import type { KeyObject } from 'node:crypto';
import { commandQueueName, signCommand, type CommandEnvelopeInput } from '../contracts';
import { NonRetryableError, TransientError } from '../errors';
import type { SendAgentCommandInput, SendAgentCommandOutput } from './contracts';
import type { RelayStore } from './store';

/** The part of a QueueClient the sender uses. */
export interface CommandQueue {
  createIfNotExists(): Promise<unknown>;
  sendMessage(text: string, options?: { messageTimeToLive?: number }): Promise<unknown>;
}

/** What {@link sendCommand} needs. */
export interface SendDeps {
  /** The app's signing key (secret: stays in this process). */
  readonly signing: { readonly key: KeyObject; readonly keyId: string } | undefined;
  readonly sites: readonly string[];
  readonly ttlSeconds: number;
  readonly store: RelayStore;
  readonly queue: (name: string) => CommandQueue;
  readonly now: () => Date;
}

const ensuredQueues = new WeakMap<CommandQueue, Promise<unknown>>();

/**
 * Signs and sends one command. Idempotent for a given input: the command id and issue time come
 * from the orchestration, so a re-run signs identical bytes (same hash), finds the same record and
 * sends the same command again, which the agent's ledger answers without executing twice.
 * Refuses (NonRetryableError) a missing key, a site not allowed, invalid parameters, a message
 * over 64 KB (before anything is written or sent) and a command id reused for other bytes.
 */
export async function sendCommand(
  deps: SendDeps,
  input: SendAgentCommandInput,
): Promise<SendAgentCommandOutput> {
  if (deps.signing === undefined) {
    throw new NonRetryableError('LIFEBOAT_RELAY_SIGNING_KEY: is required to send commands to agents', {
      code: 'InvalidConfiguration',
    });
  }
  if (!deps.sites.includes(input.site)) {
    throw new NonRetryableError(`site: ${input.site} is not in LIFEBOAT_RELAY_SITES`, {
      code: 'SiteNotAllowed',
    });
  }
  const expiresAt = new Date(Date.parse(input.issuedAt) + deps.ttlSeconds * 1000).toISOString();
  const envelope = {
    commandId: input.commandId,
    instanceId: input.instanceId,
    site: input.site,
    type: input.type,
    params: input.params,
    mode: input.mode,
    issuedAt: input.issuedAt,
    expiresAt,
  } as CommandEnvelopeInput;
  const signed = signCommand(envelope, deps.signing.key, deps.signing.keyId);

  const stored = await deps.store.create({
    v: 1,
    commandId: input.commandId,
    instanceId: input.instanceId,
    site: input.site,
    type: input.type,
    mode: input.mode,
    commandHash: signed.commandHash,
    issuedAt: input.issuedAt,
    expiresAt,
    sentAt: deps.now().toISOString(),
    state: 'open',
  });
  if (stored.commandHash !== signed.commandHash || stored.instanceId !== input.instanceId) {
    throw new NonRetryableError(`commandId: ${input.commandId} was already used for a different command`, {
      code: 'CommandIdReused',
    });
  }

  const queue = deps.queue(commandQueueName(input.site));
  try {
    let ensured = ensuredQueues.get(queue);
    if (ensured === undefined) {
      ensured = queue.createIfNotExists();
      ensuredQueues.set(queue, ensured);
      ensured.catch(() => ensuredQueues.delete(queue));
    }
    await ensured;
    await queue.sendMessage(signed.text, { messageTimeToLive: deps.ttlSeconds });
  } catch (error) {
    throw new TransientError(
      `sending to ${commandQueueName(input.site)} failed: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
      {
        code: 'QueueUnavailable',
        cause: error,
      },
    );
  }
  return { commandId: input.commandId, commandHash: signed.commandHash, expiresAt };
}
