import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { VirtualClock, type Clock } from '../clock';
import type { HistoryEvent } from './durable/history';
import type { InstanceStatus } from './durable/engine';
import { startHost, type AppLoader, type HostOptions, type LocalHost } from './host';
import { encodeQueueMessage } from './queues';
import { createLocalSignIn, type LocalPersonName } from './signIn';

/** Options for {@link createTestHost}. */
export interface TestHostOptions {
  /** The app's root (host.json, package.json). Default: the repository root. */
  readonly appRoot?: string;
  /** Loads the app: a function (vitest: `() => import('./fixtures/app')`) or a loader. */
  readonly app?: (() => Promise<unknown>) | AppLoader;
  /** App settings (process.env for the host's lifetime, `%Name%` resolution). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Default: a new VirtualClock at 2026-01-01T00:00:00Z. */
  readonly clock?: Clock;
  /** Default: 0 (any free port). */
  readonly port?: number;
  /** Default: silent unless LIFEBOAT_HOST_LOG=1. */
  readonly log?: (line: string) => void;
  readonly timers?: boolean;
  readonly queues?: HostOptions['queues'];
  /**
   * Who `fetch` signs in as when a request carries no `Authorization` header (default `lead`:
   * every Lifeboat role; `null`: nobody, the request goes out anonymous). Tests about identity
   * sign in explicitly (`headers: host.as('olivia')`).
   */
  readonly signedInAs?: LocalPersonName | null;
  /** The task hub of a stopped host (`host.durable.detach()`): see `HostOptions.durableTaskHub`. */
  readonly durableTaskHub?: HostOptions['durableTaskHub'];
  /** Activities delivered twice (at-least-once delivery); also settable later on `host.durable`. */
  readonly duplicateActivities?: HostOptions['duplicateActivities'];
  /** Keep the task hub in storage (AzureWebJobsStorage): see `HostOptions.taskHubInStorage`. */
  readonly taskHubInStorage?: boolean;
  /** What a crash point does (`LIFEBOAT_LOCAL_CRASH_AT`): see `HostOptions.crash`. */
  readonly crash?: HostOptions['crash'];
}

/** Terminal runtime statuses. */
const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** The test API over a running local host. */
export interface TestHost {
  readonly host: LocalHost;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly clock: Clock;
  /** fetch against the host: `fetch('/api/health')`, signed in as `signedInAs` unless `init` says who. */
  fetch(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  /** Headers signing a request in as a local person (local/host/signIn.ts). */
  as(person: LocalPersonName): Record<string, string>;
  /** Sends a message to a queue (encoded as host.json says) and wakes its trigger's poller. */
  enqueue(queue: string, message: unknown): Promise<void>;
  /** Reads (and removes) the messages now in `<queue>-poison`, decoded. */
  drainPoison(queue: string): Promise<string[]>;
  /** Fires a timer trigger now (`isPastDue: false`) and waits for its invocation. */
  fireTimer(name: string): Promise<void>;
  /** Starts an orchestration; returns the instance id. Throws on a refused start (e.g. singleton running). */
  startOrchestration(name: string, input?: unknown, instanceId?: string): Promise<string>;
  /** Raises an external event. Throws if the instance does not exist; finished instances discard it. */
  raiseEvent(instanceId: string, eventName: string, data?: unknown): void;
  /**
   * Waits until the instance reaches a terminal status. While the host is idle, a virtual clock is
   * advanced to the next durable timer, so hours of timers pass in milliseconds.
   */
  waitForInstance(instanceId: string, options?: { timeoutMs?: number }): Promise<InstanceStatus>;
  /** Status JSON as the HTTP API returns it, or undefined. */
  getStatus(instanceId: string): InstanceStatus | undefined;
  /** The raw history of the current execution (PascalCase events). */
  getHistory(instanceId: string): HistoryEvent[];
  /** Waits until nothing is in flight, advancing a virtual clock through pending durable timers. */
  runUntilIdle(options?: { maxAdvanceMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the local host for a test: port 0, a virtual clock, the given app and settings. */
export async function createTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const clock = options.clock ?? new VirtualClock();
  const quiet = process.env['LIFEBOAT_HOST_LOG'] !== '1';
  const loader: AppLoader | undefined =
    typeof options.app === 'function' ? { kind: 'custom', load: options.app } : options.app;
  const signIn = createLocalSignIn();
  const host = await startHost({
    signIn,
    appRoot: options.appRoot ?? path.resolve(__dirname, '../..'),
    port: options.port ?? 0,
    clock,
    log: options.log ?? (quiet ? () => undefined : (line) => console.log(line)),
    ...(loader ? { loader } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.timers !== undefined ? { timers: options.timers } : {}),
    ...(options.queues ? { queues: options.queues } : {}),
    ...(options.duplicateActivities ? { duplicateActivities: options.duplicateActivities } : {}),
    ...(options.durableTaskHub ? { durableTaskHub: options.durableTaskHub } : {}),
    ...(options.taskHubInStorage === true ? { taskHubInStorage: true } : {}),
    ...(options.crash ? { crash: options.crash } : {}),
  });
  const settings = options.settings ?? {};
  const queueClient = (queue: string) => {
    const existing = host.queues.clientFor(queue);
    if (existing) return existing;
    const conn = settings['AzureWebJobsStorage'] ?? process.env['AzureWebJobsStorage'];
    if (!conn)
      throw new Error(`enqueue('${queue}'): no trigger listens on it and AzureWebJobsStorage is not set`);
    return QueueServiceClient.fromConnectionString(conn).getQueueClient(queue);
  };

  const advanceToNextTimer = (): boolean => {
    if (!(clock instanceof VirtualClock)) return false;
    const next = host.durable.nextTimerDue();
    if (!next) return false;
    clock.advanceTo(next);
    return true;
  };

  const api: TestHost = {
    host,
    baseUrl: host.origin,
    clock,
    fetch: (p, init) => {
      const who = options.signedInAs === undefined ? 'lead' : options.signedInAs;
      const headers = new Headers(init?.headers);
      if (who !== null && !headers.has('authorization'))
        headers.set('authorization', `Bearer ${signIn.tokenOf(who)}`);
      return fetch(new URL(p, host.origin), { ...init, headers });
    },
    as: (person) => signIn.headersFor(person),
    async enqueue(queue, message) {
      const client = queueClient(queue);
      await client.createIfNotExists();
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      await client.sendMessage(encodeQueueMessage(text, host.config.queues.messageEncoding));
      host.queues.wake(queue);
    },
    async drainPoison(queue) {
      const client = host.queues.poisonClientFor(queue) ?? queueClient(`${queue}-poison`);
      if (!(await client.exists())) return [];
      const out: string[] = [];
      for (;;) {
        const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32 });
        if (receivedMessageItems.length === 0) return out;
        for (const m of receivedMessageItems) {
          out.push(
            host.config.queues.messageEncoding === 'base64'
              ? Buffer.from(m.messageText, 'base64').toString('utf8')
              : m.messageText,
          );
          await client.deleteMessage(m.messageId, m.popReceipt);
        }
      }
    },
    fireTimer: (name) => host.timers.fireNow(name),
    startOrchestration(name, input, instanceId) {
      const result = host.durable.startNew(
        name,
        instanceId,
        input === undefined ? null : JSON.stringify(input),
      );
      if (!result.ok)
        return Promise.reject(
          new Error(`startOrchestration('${name}') refused (${result.code}): ${result.message}`),
        );
      return Promise.resolve(result.value);
    },
    raiseEvent(instanceId, eventName, data) {
      const result = host.durable.raiseEvent(
        instanceId,
        eventName,
        data === undefined ? null : JSON.stringify(data),
      );
      if (!result.ok && result.code !== 'gone')
        throw new Error(`raiseEvent('${instanceId}', '${eventName}'): ${result.message}`);
    },
    async waitForInstance(instanceId, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      for (;;) {
        const s = host.durable.getStatus(instanceId);
        if (s && TERMINAL.has(s.runtimeStatus)) return s;
        await host.work.idle();
        const after = host.durable.getStatus(instanceId);
        if (after && TERMINAL.has(after.runtimeStatus)) return after;
        if (advanceToNextTimer()) continue;
        if (Date.now() > deadline) {
          throw new Error(
            `waitForInstance('${instanceId}'): still ${after?.runtimeStatus ?? 'unknown'} after ${opts.timeoutMs ?? 30_000}ms (real time)`,
          );
        }
        await new Promise<void>((resolve) => {
          const off = host.durable.onChange(() => {
            off();
            clearTimeout(timer);
            resolve();
          });
          const timer = setTimeout(() => {
            off();
            resolve();
          }, 25);
        });
      }
    },
    getStatus: (id) => host.durable.getStatus(id, { showInput: true }),
    getHistory: (id) => host.durable.getHistory(id) ?? [],
    async runUntilIdle(opts = {}) {
      const limit = clock.now().getTime() + (opts.maxAdvanceMs ?? 366 * 24 * 3600_000);
      for (;;) {
        await host.work.idle();
        const next = host.durable.nextTimerDue();
        if (!(clock instanceof VirtualClock) || !next || next.getTime() > limit) return;
        clock.advanceTo(next);
      }
    },
    stop: () => host.stop(),
  };
  return api;
}
