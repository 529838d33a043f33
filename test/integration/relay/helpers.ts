import { BlobServiceClient } from '@azure/storage-blob';
import type { AuditEvent } from '../../../agent/audit';
import type { PollSettings } from '../../../agent/run';
import type { AzuriteHandle } from '../../../local/azurite';
import { RealClock, VirtualClock, type Clock } from '../../../local/clock';
import type { InstanceStatus } from '../../../local/host/durable/engine';
import type { AppLoader } from '../../../local/host/host';
import type { TestHost } from '../../../local/host/testing';
import type { SimulatedSite, SimulatedSiteDescription } from '../../../local/site';
import { startWorld, type World } from '../../../local/world';
import { generateSigningKeyPair, type CommandEnvelope } from '../../../shared/contracts';
import { createRelayStore, type RelayStore } from '../../../shared/relay/store';

export type KeyPair = ReturnType<typeof generateSigningKeyPair>;

/** A running in-process agent with a simulated site. */
export interface RunningAgent {
  readonly site: SimulatedSite;
  readonly audit: AuditEvent[];
  stop(): Promise<void>;
}

export interface RelayWorld {
  readonly world: World;
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
   * Waits until `instanceId` finishes (local/world.ts: time moves to the next durable timer only
   * when nothing is in flight and no agent has a command waiting; timeouts fire only when no
   * result can come).
   */
  waitFor(instanceId: string, timeoutMs?: number): Promise<InstanceStatus>;
  /** Waits until `predicate` holds for the instance's status; time stands still meanwhile. */
  waitUntil(
    instanceId: string,
    predicate: (s: InstanceStatus) => boolean,
    timeoutMs?: number,
  ): Promise<InstanceStatus>;
  stop(): Promise<void>;
}

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

/** Azurite + the local host with the relay functions (local/world.ts), keys generated at runtime (never committed). */
export async function startRelayWorld(options: RelayWorldOptions): Promise<RelayWorld> {
  const site = options.site ?? 'site-a';
  const clock = options.clock ?? new VirtualClock(new Date('2026-01-01T00:00:00Z'));
  const appKey = generateSigningKeyPair();
  const agentKey = generateSigningKeyPair();
  const agentKeyId = 'agent-a-1';
  const agentId = 'agent-a';
  const world = await startWorld({
    clock,
    arm: false,
    appKey: { privateKey: appKey.privateKeyPem, keyId: 'app-1' },
    sites: [
      { site, agentId, agentKey: { privateKey: agentKey.privateKeyPem, keyId: agentKeyId }, start: false },
    ],
    host: {
      ...(options.app === 'packageMain' ? {} : { app: options.app }),
      queues: {
        enabled: true,
        visibilityTimeoutMs: 0,
        ...(options.maxPollingIntervalMs === 'host'
          ? {}
          : { maxPollingIntervalMs: options.maxPollingIntervalMs ?? 250 }),
      },
    },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const h = world.host;
  const store = createRelayStore(
    BlobServiceClient.fromConnectionString(world.azurite.connectionString).getContainerClient(
      options.settings?.['LIFEBOAT_RELAY_CONTAINER'] ?? 'lifeboat-relay',
    ),
  );
  const relay: RelayWorld = {
    world,
    clock,
    azurite: world.azurite,
    host: h,
    site,
    appKey,
    agentKey,
    agentKeyId,
    agentId,
    store,
    async startAgent(description, poll = {}, opts = {}) {
      const audit: AuditEvent[] = [];
      const running = await world.startAgent(site, {
        description,
        poll,
        audit: (e) => audit.push(e),
        ...(opts.afterExecute === undefined ? {} : { afterExecute: opts.afterExecute }),
      });
      const agent: RunningAgent = { site: running.simulated, audit, stop: () => running.stop() };
      relay.agent = agent;
      return agent;
    },
    waitFor: (instanceId, timeoutMs = 60_000) => world.waitFor(instanceId, { timeoutMs }),
    waitUntil: (instanceId, predicate, timeoutMs = 30_000) =>
      world.until(
        () => {
          const s = h.getStatus(instanceId);
          return s !== undefined && predicate(s) ? s : undefined;
        },
        { timeoutMs, advance: false, what: `waitUntil(${instanceId})` },
      ),
    stop: () => world.stop(),
  };
  return relay;
}

export { RealClock, VirtualClock };
