import type { QueueClient } from '@azure/storage-queue';
import { NonRetryableError } from '../shared/errors';
import type { AuditSink } from './audit';
import type { AgentClock } from './clock';
import type { AgentCore } from './core';

/** Poll settings: fast while busy, exponential backoff while idle, bounded. */
export interface PollSettings {
  /** Pause after a poll that returned messages (0 = poll again at once). */
  readonly busyDelayMs: number;
  /** First pause after an empty poll. */
  readonly idleMinMs: number;
  /** Longest pause while idle: an idle agent makes about 3,600,000 / idleMaxMs requests an hour. */
  readonly idleMaxMs: number;
  /** Growth of the idle pause after each empty poll. */
  readonly idleFactor: number;
  /** Longest pause after a failing poll (storage unreachable). */
  readonly errorMaxMs: number;
  /** Messages taken per poll (1-32), handled concurrently. */
  readonly batchSize: number;
  /** How long a taken message stays invisible to other consumers (longer than the slowest command). */
  readonly visibilityTimeoutSeconds: number;
}

/** Defaults: an idle agent settles at one request every 10 s (≈ 360 an hour). */
export const DEFAULT_POLL: PollSettings = {
  busyDelayMs: 0,
  idleMinMs: 250,
  idleMaxMs: 10_000,
  idleFactor: 2,
  errorMaxMs: 60_000,
  batchSize: 16,
  visibilityTimeoutSeconds: 600,
};

/**
 * The queue's endpoint for messages: scheme, host and path (account and queue), never the query,
 * which holds the SAS of a SAS connection string.
 */
export function queueEndpoint(client: Pick<QueueClient, 'url' | 'name'>): string {
  try {
    const u = new URL(client.url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return client.name;
  }
}

/** An Azure SDK error as one line: HTTP status and service error code when there was an answer, then the message. */
export function describeStorageError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const status = (error as { statusCode?: unknown }).statusCode;
  const code = (error as { code?: unknown }).code;
  const head =
    typeof status === 'number'
      ? `HTTP ${status}${typeof code === 'string' && code !== '' ? ` ${code}` : ''}: `
      : '';
  return `${head}${error.message}`;
}

export interface RunDeps {
  readonly core: AgentCore;
  readonly commands: QueueClient;
  readonly results: QueueClient;
  readonly clock: AgentClock;
  readonly audit: AuditSink;
  readonly log: (message: string) => void;
}

/**
 * The poll loop. Stops when `signal` aborts: a pause is cut short and a receive in flight is
 * cancelled (so an idle agent stops at once, even while storage is unreachable), but messages in
 * hand are finished (result sent, message deleted) before it returns, so SIGTERM never leaves a
 * command half answered. A message whose receive was cancelled on the server's side of the wire
 * reappears after its visibility timeout and is answered then (from the ledger if it had run).
 *
 * Failing polls are logged with the step, the queue endpoint, the attempt count and the backoff
 * before the next attempt (doubling up to `errorMaxMs`), and recovery is logged once.
 */
export async function runLoop(poll: PollSettings, deps: RunDeps, signal: AbortSignal): Promise<void> {
  let idleDelay = poll.idleMinMs;
  let errorDelay = poll.idleMinMs;
  let failures = 0;
  const step = `receiving commands from ${queueEndpoint(deps.commands)}`;
  while (!signal.aborted) {
    let pause: number;
    try {
      const response = await deps.commands.receiveMessages({
        numberOfMessages: poll.batchSize,
        visibilityTimeout: poll.visibilityTimeoutSeconds,
        abortSignal: signal,
      });
      if (failures > 0) deps.log(`agent: ${step} works again after ${failures} failed attempt(s)`);
      failures = 0;
      errorDelay = poll.idleMinMs;
      const items = response.receivedMessageItems;
      if (items.length === 0) {
        pause = idleDelay;
        idleDelay = Math.min(poll.idleMaxMs, Math.ceil(idleDelay * poll.idleFactor));
      } else {
        await Promise.all(
          items.map((m) => processOne(deps, m.messageText, m.messageId, m.popReceipt, m.dequeueCount)),
        );
        idleDelay = poll.idleMinMs;
        pause = poll.busyDelayMs;
      }
    } catch (error) {
      if (signal.aborted) break; // the stop cancelled the receive: nothing was in hand
      failures++;
      pause = errorDelay;
      errorDelay = Math.min(poll.errorMaxMs, errorDelay * 2);
      deps.log(
        `agent: ${step} failed (attempt ${failures}; retrying in ${pause} ms): ${describeStorageError(error)}`,
      );
    }
    if (pause > 0 && !signal.aborted) {
      try {
        await deps.clock.sleep(pause, signal);
      } catch {
        // Aborted: the loop condition ends it.
      }
    }
  }
}

/**
 * Creates a queue when missing (local use), at start-up. Network faults and 5xx, 408, 429 are
 * retried with a logged, doubling backoff until they pass or `signal` aborts (then it returns
 * false); other refusals (403: no right to create; 400) cannot improve by retrying and throw,
 * naming the step and the endpoint.
 */
export async function ensureQueue(
  queue: QueueClient,
  poll: Pick<PollSettings, 'idleMinMs' | 'errorMaxMs'>,
  deps: Pick<RunDeps, 'clock' | 'log'>,
  signal: AbortSignal,
): Promise<boolean> {
  const step = `creating queue ${queue.name} at ${queueEndpoint(queue)}`;
  let delay = poll.idleMinMs;
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await queue.createIfNotExists({ abortSignal: signal });
      if (attempt > 1) deps.log(`agent: ${step} succeeded after ${attempt - 1} failed attempt(s)`);
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429)
        throw new NonRetryableError(
          `agent: ${step} failed: ${describeStorageError(error)}; retrying will not help: check the queue credentials, or create the queue and set queue.createIfMissing to false`,
          { code: 'QueueRefused', cause: error },
        );
      deps.log(
        `agent: ${step} failed (attempt ${attempt}; retrying in ${delay} ms): ${describeStorageError(error)}`,
      );
      try {
        await deps.clock.sleep(delay, signal);
      } catch {
        return false;
      }
      delay = Math.min(poll.errorMaxMs, delay * 2);
    }
  }
  return false;
}

/**
 * One message: decide, send the result, then delete the message. A failure to send leaves the
 * message to reappear; the ledger then answers it without executing again.
 */
async function processOne(
  deps: RunDeps,
  text: string,
  messageId: string,
  popReceipt: string,
  dequeueCount: number,
): Promise<void> {
  let decision;
  try {
    decision = await deps.core.handle(text, { messageId, dequeueCount });
  } catch (error) {
    deps.log(
      `agent: could not decide on message ${messageId} (it will reappear): ${error instanceof Error ? error.message : 'unknown error'}`,
    );
    return;
  }
  const ids = { commandId: decision.commandId, type: decision.type, messageId };
  if (decision.reply !== undefined) {
    try {
      await deps.results.sendMessage(decision.reply);
      deps.audit({ event: 'resultSent', ...ids });
    } catch (error) {
      deps.audit({
        event: 'sendFailed',
        ...ids,
        detail: error instanceof Error ? error.message : 'unknown error',
      });
      return;
    }
  }
  if (decision.delete) {
    try {
      await deps.commands.deleteMessage(messageId, popReceipt);
      deps.audit({ event: 'deleted', ...ids });
    } catch (error) {
      // Usually a stale pop receipt (the message reappeared and another copy is in hand): harmless.
      deps.audit({
        event: 'deleteFailed',
        ...ids,
        detail: error instanceof Error ? error.message : 'unknown error',
      });
    }
  }
}
