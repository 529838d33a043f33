import { QueueServiceClient, type QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';
import type { WorkTracker } from './idle';
import { fromTypedData, type LoadedFunction } from './invoke';
import type { BindingMetadata, RpcInvocationResponse, RpcTypedData } from './registry';
import { resolveStorageConnection, type HostConfig } from './settings';

/**
 * Storage queue triggers and output bindings against a real queue service (Azurite locally).
 * Polling runs on real time (queue visibility is the queue service's own wall-clock business),
 * with the real host's shape: exponential backoff from 100 ms up to maxPollingInterval when
 * empty, batches of `batchSize`, messages hidden while processed, a failed message made visible
 * again after `visibilityTimeout`, and moved to `<queue>-poison` once its dequeueCount reaches
 * `maxDequeueCount`. Messages are base64 when host.json says so (the default); one that is not
 * valid base64 then goes to `<queue>-poison` at once without running the function, as the real
 * host does.
 */

const MIN_POLL_MS = 100;

function queueClientFor(connectionString: string, queueName: string): QueueClient {
  return QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
}

/**
 * Whether a message text is valid base64 as .NET's Convert.FromBase64String reads it (whitespace
 * ignored, length a multiple of 4, at most two `=` at the end).
 */
export function isValidBase64(text: string): boolean {
  const s = text.replace(/\s/g, '');
  return s.length % 4 === 0 && /^[A-Z0-9+/]*={0,2}$/i.test(s);
}

/** Encodes a message body as the host does (base64 unless host.json says `none`). */
export function encodeQueueMessage(text: string, encoding: HostConfig['queues']['messageEncoding']): string {
  return encoding === 'base64' ? Buffer.from(text, 'utf8').toString('base64') : text;
}

/** Sends the value of a queue output binding (arrays become one message per element). */
export async function sendQueueOutput(
  fn: LoadedFunction,
  binding: BindingMetadata,
  data: RpcTypedData | null | undefined,
  settings: Readonly<Record<string, string>>,
  config: HostConfig,
): Promise<void> {
  const value = fromTypedData(data);
  if (value === undefined || value === null) return;
  const queueName = typeof binding['queueName'] === 'string' ? binding['queueName'] : '';
  const client = queueClientFor(
    resolveStorageConnection(fn.name, binding['connection'], { ...process.env, ...settings }),
    queueName,
  );
  await client.createIfNotExists();
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  for (const item of items) {
    const text =
      typeof item === 'string' ? item : Buffer.isBuffer(item) ? item.toString('utf8') : JSON.stringify(item);
    await client.sendMessage(encodeQueueMessage(text, config.queues.messageEncoding));
  }
}

interface QueueTriggerOptions {
  readonly config: HostConfig;
  readonly settings: Readonly<Record<string, string>>;
  readonly work: WorkTracker;
  readonly log: (line: string) => void;
  readonly visibilityTimeoutMs: number;
  readonly maxPollingIntervalMs: number;
  /** How long a message is held while processed (default: host.json functionTimeout). */
  readonly lockMs?: number;
  readonly invoke: (
    fn: LoadedFunction,
    trigger: RpcTypedData,
    metadata: Record<string, RpcTypedData>,
  ) => Promise<RpcInvocationResponse>;
}

interface Poller {
  readonly fn: LoadedFunction;
  readonly queueName: string;
  readonly client: QueueClient;
  readonly poison: QueueClient;
  wake: () => void;
  loop: Promise<void>;
}

/** The app's queue triggers. */
export class QueueTriggers {
  private readonly pollers: Poller[] = [];
  private stopped = false;

  constructor(private readonly options: QueueTriggerOptions) {}

  /** Starts one poll loop per queue-triggered function. */
  start(fns: readonly LoadedFunction[]): void {
    for (const fn of fns) {
      const queueName = typeof fn.trigger['queueName'] === 'string' ? fn.trigger['queueName'] : '';
      const connection = resolveStorageConnection(fn.name, fn.trigger['connection'], {
        ...process.env,
        ...this.options.settings,
      });
      const poller: Poller = {
        fn,
        queueName,
        client: queueClientFor(connection, queueName),
        poison: queueClientFor(connection, `${queueName}-poison`),
        wake: () => undefined,
        loop: Promise.resolve(),
      };
      poller.loop = this.run(poller);
      this.pollers.push(poller);
    }
  }

  /** A client for a trigger's queue (same connection as the trigger), or undefined when no trigger listens on it. */
  clientFor(queueName: string): QueueClient | undefined {
    return this.pollers.find((p) => p.queueName.toLowerCase() === queueName.toLowerCase())?.client;
  }

  /** A client for `<queue>-poison` of a triggered queue. */
  poisonClientFor(queueName: string): QueueClient | undefined {
    return this.pollers.find((p) => p.queueName.toLowerCase() === queueName.toLowerCase())?.poison;
  }

  /** Ends the backoff wait of every poller on `queueName` (all when omitted): poll now. */
  wake(queueName?: string): void {
    for (const p of this.pollers)
      if (queueName === undefined || p.queueName.toLowerCase() === queueName.toLowerCase()) p.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pollers) p.wake();
    await Promise.allSettled(this.pollers.map((p) => p.loop));
  }

  private async run(p: Poller): Promise<void> {
    const { config } = this.options;
    let delay = MIN_POLL_MS;
    try {
      await p.client.createIfNotExists();
    } catch (error) {
      this.options.log(
        `[error] queue trigger '${p.fn.name}': cannot reach queue '${p.queueName}': ${(error as Error).message}`,
      );
    }
    while (!this.stopped) {
      let messages: DequeuedMessageItem[] = [];
      try {
        const lockMs = this.options.lockMs ?? config.functionTimeoutMs;
        const lockSeconds = Math.max(1, Math.min(Math.ceil(lockMs / 1000), 7 * 24 * 3600));
        const received = await p.client.receiveMessages({
          numberOfMessages: config.queues.batchSize,
          visibilityTimeout: lockSeconds,
        });
        messages = received.receivedMessageItems;
      } catch (error) {
        if (!this.stopped)
          this.options.log(
            `[warning] queue trigger '${p.fn.name}': receive failed: ${(error as Error).message}`,
          );
      }
      if (this.stopped) return;
      if (messages.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          p.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, Math.max(MIN_POLL_MS, this.options.maxPollingIntervalMs));
        continue;
      }
      delay = MIN_POLL_MS;
      await Promise.all(messages.map((m) => this.process(p, m)));
    }
  }

  private async process(p: Poller, m: DequeuedMessageItem): Promise<void> {
    const done = this.options.work.begin();
    const { config } = this.options;
    try {
      // The real host (storage extension 5.x) moves a message that is not valid base64 to the
      // poison queue at once, without running the function and without a useful error
      // (recovery.md, "Azure Monitor alerts"; azure-sdk-for-net#18326). Node's decoder would
      // silently turn it into garbage instead: follow the real contract.
      if (config.queues.messageEncoding === 'base64' && !isValidBase64(m.messageText)) {
        await p.poison.createIfNotExists();
        await p.poison.sendMessage(m.messageText);
        await p.client.deleteMessage(m.messageId, m.popReceipt);
        this.options.log(
          `[warning] message ${m.messageId} is not valid base64 (messageEncoding: base64): moved to '${p.queueName}-poison' without running '${p.fn.name}'`,
        );
        return;
      }
      const text =
        config.queues.messageEncoding === 'base64'
          ? Buffer.from(m.messageText, 'base64').toString('utf8')
          : m.messageText;
      const meta: Record<string, RpcTypedData> = {
        DequeueCount: { json: String(m.dequeueCount) },
        Id: { json: JSON.stringify(m.messageId) },
        InsertionTime: { json: JSON.stringify(m.insertedOn.toISOString()) },
        ExpirationTime: { json: JSON.stringify(m.expiresOn.toISOString()) },
        NextVisibleTime: { json: JSON.stringify(m.nextVisibleOn.toISOString()) },
        PopReceipt: { json: JSON.stringify(m.popReceipt) },
        QueueTrigger: { json: JSON.stringify(text) },
      };
      try {
        await this.options.invoke(p.fn, { string: text }, meta);
        await p.client.deleteMessage(m.messageId, m.popReceipt);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.options.log(
          `[error] queue function '${p.fn.name}' failed on message ${m.messageId} (dequeueCount ${m.dequeueCount}): ${message}`,
        );
        if (m.dequeueCount >= config.queues.maxDequeueCount) {
          await p.poison.createIfNotExists();
          await p.poison.sendMessage(m.messageText);
          await p.client.deleteMessage(m.messageId, m.popReceipt);
          this.options.log(
            `[warning] message ${m.messageId} moved to '${p.queueName}-poison' after ${m.dequeueCount} attempts`,
          );
        } else {
          await p.client.updateMessage(
            m.messageId,
            m.popReceipt,
            undefined,
            Math.ceil(this.options.visibilityTimeoutMs / 1000),
          );
          if (this.options.visibilityTimeoutMs === 0) p.wake();
        }
      }
    } catch (error) {
      if (!this.stopped)
        this.options.log(`[error] queue trigger '${p.fn.name}': ${(error as Error).message}`);
    } finally {
      done();
    }
  }
}
