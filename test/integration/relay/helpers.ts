import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient } from '@azure/storage-blob';
import { run as runAgent } from '../../../agent/agent';
import type { AuditEvent } from '../../../agent/audit';
import { realClock, type AgentClock } from '../../../agent/clock';
import type { AgentConfig } from '../../../agent/config';
import {
  createSimulatedExecutor,
  SimulatedSite,
  type SimulatedSiteDescription,
} from '../../../agent/executors/simulated';
import { DEFAULT_POLL, type PollSettings } from '../../../agent/run';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { RealClock, VirtualClock, type Clock } from '../../../local/clock';
import type { InstanceStatus } from '../../../local/host/durable/engine';
import type { AppLoader } from '../../../local/host/host';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import { commandQueueName, generateSigningKeyPair, type CommandEnvelope } from '../../../shared/contracts';
import { createRelayStore, type RelayStore } from '../../../shared/relay/store';

export type KeyPair = ReturnType<typeof generateSigningKeyPair>;

/** A running in-process agent with a simulated site. */
export interface RunningAgent {
  readonly site: SimulatedSite;
  readonly audit: AuditEvent[];
  stop(): Promise<void>;
}

export interface RelayWorld {
  readonly clock: Clock;
  readonly azurite: AzuriteHandle;
  readonly host: TestHost;
  readonly site: string;
  readonly appKey: KeyPair;
  readonly agentKey: KeyPair;
  readonly agentKeyId: string;
  readonly agentId: string;
  readonly store: RelayStore;
  agent?: RunningAgent;
  /** Starts an agent for the site (simulated executor on the world's clock). */
  startAgent(
    description: SimulatedSiteDescription,
    poll?: Partial<PollSettings>,
    options?: { afterExecute?: (command: CommandEnvelope) => void | Promise<void> },
  ): Promise<RunningAgent>;
  /**
   * Waits until `instanceId` finishes. While any orchestration awaits an agent's result, time
   * stands still (the agent works in real time); otherwise a virtual clock jumps to the next
   * durable timer. So poll intervals pass in milliseconds and timeouts fire only when no
   * result can come.
   */
  waitFor(instanceId: string, timeoutMs?: number): Promise<InstanceStatus>;
  /** Waits (real time) until `predicate` holds for the instance's status. */
  waitUntil(
    instanceId: string,
    predicate: (s: InstanceStatus) => boolean,
    timeoutMs?: number,
  ): Promise<InstanceStatus>;
  stop(): Promise<void>;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Options for {@link startRelayWorld}. */
export interface RelayWorldOptions {
  site?: string;
  /** Default: a VirtualClock. */
  clock?: Clock;
  /** The app: tests pass `relayApp` (./app.ts, the relay functions from source); `'packageMain'`: package.json `main` (compiled app, as the real host loads it). */
  app: (() => Promise<unknown>) | AppLoader | 'packageMain';
  settings?: Record<string, string>;
  /** Results-queue poll backoff cap; default 250 ms, `'host'` keeps host.json's value. */
  maxPollingIntervalMs?: number | 'host';
}

/** Azurite + the local host with the relay functions, keys generated at runtime (never committed). */
export async function startRelayWorld(options: RelayWorldOptions): Promise<RelayWorld> {
  const site = options.site ?? 'site-a';
  const clock = options.clock ?? new VirtualClock(new Date('2026-01-01T00:00:00Z'));
  const azurite = await startAzurite({ silent: true });
  const appKey = generateSigningKeyPair();
  const agentKey = generateSigningKeyPair();
  const agentKeyId = 'agent-a-1';
  const agentId = 'agent-a';
  let host: TestHost | undefined;
  try {
    host = await createTestHost({
      appRoot: process.cwd(),
      clock,
      ...(options.app === 'packageMain' ? {} : { app: options.app }),
      settings: {
        AzureWebJobsStorage: azurite.connectionString,
        LIFEBOAT_RELAY_SIGNING_KEY: appKey.privateKeyPem,
        LIFEBOAT_RELAY_SIGNING_KEY_ID: 'app-1',
        LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify({
          [agentKeyId]: { agentId, site, publicKey: agentKey.publicKeyPem },
        }),
        LIFEBOAT_RELAY_SITES: site,
        ...options.settings,
      },
      timers: false,
      queues: {
        enabled: true,
        visibilityTimeoutMs: 0,
        ...(options.maxPollingIntervalMs === 'host'
          ? {}
          : { maxPollingIntervalMs: options.maxPollingIntervalMs ?? 250 }),
      },
    });
    const h = host;
    const store = createRelayStore(
      BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
        options.settings?.['LIFEBOAT_RELAY_CONTAINER'] ?? 'lifeboat-relay',
      ),
    );
    const awaitingResult = () =>
      h.host.durable
        .list({ runtimeStatus: ['Running', 'Pending'] })
        .some((s) => (s.customStatus as { phase?: string } | null)?.phase === 'awaitingResult');
    const world: RelayWorld = {
      clock,
      azurite,
      host: h,
      site,
      appKey,
      agentKey,
      agentKeyId,
      agentId,
      store,
      async startAgent(description, poll = {}, options = {}) {
        const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-agent-'));
        // The simulated site and command expiry follow the world's clock; polling pauses are real
        // (the agent works while the virtual clock stands still).
        const agentClock: AgentClock = {
          now: () => clock.now(),
          sleep: (ms, signal) => realClock.sleep(ms, signal),
        };
        const simulated = new SimulatedSite(description, () => clock.now());
        const audit: AuditEvent[] = [];
        const config: AgentConfig = {
          site,
          agentId,
          queue: {
            connectionString: azurite.connectionString,
            commandsQueue: commandQueueName(site),
            resultsQueue: 'agent-results',
            createIfMissing: true,
          },
          trustedKeys: new Map([['app-1', appKey.publicKey]]),
          signingKey: agentKey.privateKey,
          signingKeyId: agentKeyId,
          executor: { kind: 'simulated' },
          ledgerPath: path.join(dir, 'ledger.jsonl'),
          maxClockSkewMs: 120_000,
          ledgerRetentionMs: 48 * 3600_000,
          poll: { ...DEFAULT_POLL, ...poll },
        };
        const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
        const abort = new AbortController();
        const loop = runAgent(
          config,
          {
            clock: agentClock,
            commands: service.getQueueClient(commandQueueName(site)),
            results: service.getQueueClient('agent-results'),
            executor: createSimulatedExecutor(simulated),
            audit: (e) => audit.push(e),
            log: () => undefined,
            ...(options.afterExecute === undefined ? {} : { afterExecute: options.afterExecute }),
          },
          abort.signal,
        );
        const running: RunningAgent = {
          site: simulated,
          audit,
          async stop() {
            abort.abort();
            await loop.catch(() => undefined);
            await rm(dir, { recursive: true, force: true });
          },
        };
        world.agent = running;
        return running;
      },
      async waitFor(instanceId, timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const s = h.getStatus(instanceId);
          if (s && TERMINAL.has(s.runtimeStatus)) return s;
          if (Date.now() > deadline)
            throw new Error(
              `waitFor(${instanceId}): still ${s?.runtimeStatus ?? 'unknown'} after ${timeoutMs} ms`,
            );
          await h.host.work.idle();
          // Without an agent nothing can answer: let the timeouts fire.
          if ((world.agent !== undefined && awaitingResult()) || !(clock instanceof VirtualClock)) {
            await sleep(10);
            continue;
          }
          const next = h.host.durable.nextTimerDue();
          if (next !== undefined) clock.advanceTo(next);
          else await sleep(10);
        }
      },
      async waitUntil(instanceId, predicate, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const s = h.getStatus(instanceId);
          if (s && predicate(s)) return s;
          if (Date.now() > deadline)
            throw new Error(`waitUntil(${instanceId}): condition not met after ${timeoutMs} ms`);
          await sleep(10);
        }
      },
      async stop() {
        await world.agent?.stop();
        await h.stop();
        await azurite.stop();
      },
    };
    return world;
  } catch (error) {
    await host?.stop();
    await azurite.stop();
    throw error;
  }
}

export { RealClock, VirtualClock };
