import type { QueueClient } from '@azure/storage-queue';
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

export interface RunDeps {
  readonly core: AgentCore;
  readonly commands: QueueClient;
  readonly results: QueueClient;
  readonly clock: AgentClock;
  readonly audit: AuditSink;
  readonly log: (message: string) => void;
}

/**
 * The poll loop. Stops when `signal` aborts: a pause is cut short, but messages in hand are
 * finished (result sent, message deleted) before it returns, so SIGTERM never leaves a command
 * half answered.
 */
export async function runLoop(poll: PollSettings, deps: RunDeps, signal: AbortSignal): Promise<void> {
  let idleDelay = poll.idleMinMs;
  let errorDelay = poll.idleMinMs;
  while (!signal.aborted) {
    let pause: number;
    try {
      const response = await deps.commands.receiveMessages({
        numberOfMessages: poll.batchSize,
        visibilityTimeout: poll.visibilityTimeoutSeconds,
      });
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
      deps.log(
        `agent: polling failed (will retry): ${error instanceof Error ? error.message : 'unknown error'}`,
      );
      pause = errorDelay;
      errorDelay = Math.min(poll.errorMaxMs, errorDelay * 2);
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
