import { BlobServiceClient } from '@azure/storage-blob';
import type { ServiceSpec } from '../../../local/arm/model';
import { VirtualClock } from '../../../local/clock';
import type { InstanceStatus } from '../../../local/host/durable/engine';
import type { TestHost } from '../../../local/host/testing';
import { idsByName, protectedServicesSetting } from '../../../local/fixtures';
import { DEMO_SITE } from '../../../local/site';
import { startWorld, type World } from '../../../local/world';
import { loadAreas } from '../../helpers/app';
import type { AzureStack } from '../../helpers/azure';
import { startCountingProxy, type CountingProxy } from '../../bench/fixtures/countingProxy';

/** Backups, restores, the relay, on-premises flows, plans, alerts and the status area: what the status page shows. */
export const statusApp = async (): Promise<void> => {
  const { backup } = await import('../../../functions/names/backup');
  const { restore } = await import('../../../functions/names/restore');
  const { apim } = await import('../../../functions/names/apim');
  const { relay } = await import('../../../functions/names/relay');
  const { durable } = await import('../../../functions/names/durable');
  const { onprem } = await import('../../../functions/names/onprem');
  const { plans } = await import('../../../functions/names/plans');
  const { alerts } = await import('../../../functions/names/alerts');
  const { status } = await import('../../../functions/names/status');
  await loadAreas(backup, restore, apim, relay, onprem, durable, plans, alerts, status);
};

export interface StatusWorld {
  world: World;
  clock: VirtualClock;
  stack: AzureStack;
  host: TestHost;
  /** Every blob request of the app (app storage and backup storage) goes through it. */
  proxy: CountingProxy;
  /** The app's storage, direct (not through the proxy). */
  blobs: BlobServiceClient;
  ids: Record<string, string>;
  plansDir: string;
  /** Every log line of the host (the app's context.log lines included). */
  lines: string[];
  /** Starts an agent for `site` (simulated executor, the world's clock). */
  startAgent(site: string): Promise<void>;
  /**
   * Waits for an instance. `advance: false`: time stands still (agents still take their commands);
   * otherwise the virtual clock jumps to the next durable timer whenever nothing is in flight and
   * no agent has a command waiting (`unlessAwaitingAgent` is that same rule, kept for readers).
   */
  waitFor(
    instanceId: string,
    options?: { advance?: boolean | 'unlessAwaitingAgent'; timeoutMs?: number },
  ): Promise<InstanceStatus>;
  /** GETs a path and returns the body text (throws on a non-200). */
  getText(pathAndQuery: string): Promise<string>;
  stop(): Promise<void>;
}

export interface StatusWorldOptions {
  /** The virtual clock's start (default: now, so pages read with the wall clock see fresh times). */
  start?: Date;
  services: ServiceSpec[];
  protect: { service: string; standby?: string; drillTargets?: string[] }[];
  sites: string[];
  /** Plans to write into the plans folder, by name (the plan JSON). */
  plans?: Record<string, unknown>;
  settings?: Record<string, string>;
  /** The app's signing key (default: generated); the agent trusts its public key. */
  signingKey?: string;
  /** Agent private keys by site (PEM or base64 seed; default: generated). */
  agentKeys?: Record<string, string>;
  /** Arm the timer triggers (default false: tests start what they need). */
  timers?: boolean;
}

/** Azurite (blobs through a counting proxy) + ARM emulator + the local host, one virtual clock (local/world.ts). */
export async function startStatusWorld(options: StatusWorldOptions): Promise<StatusWorld> {
  const clock = new VirtualClock(options.start ?? new Date());
  let proxy: CountingProxy | undefined;
  const lines: string[] = [];
  const services = options.services.map((s) => ({ identity: { systemAssigned: true }, ...s }));
  const world = await startWorld({
    clock,
    arm: { services },
    blobGateway: async (endpoint) => (proxy = await startCountingProxy(endpoint)),
    ...(options.signingKey === undefined
      ? {}
      : { appKey: { privateKey: options.signingKey, keyId: 'app-1' } }),
    sites: options.sites.map((site) => {
      const given = options.agentKeys?.[site];
      return {
        site,
        description: DEMO_SITE,
        start: false,
        poll: { idleMaxMs: 100 },
        ...(given === undefined ? {} : { agentKey: { privateKey: given, keyId: `agent-${site}-1` } }),
      };
    }),
    plans: options.plans ?? {},
    host: {
      app: statusApp,
      log: (line) => lines.push(line),
      timers: options.timers ?? false,
      queues: { enabled: true, visibilityTimeoutMs: 0, maxPollingIntervalMs: 250 },
    },
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: protectedServicesSetting(services, options.protect),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      LIFEBOAT_HEARTBEAT_SCHEDULE: '0 */5 * * * *',
      LIFEBOAT_HEARTBEAT_TIMEOUT_SECONDS: '30',
      LIFEBOAT_APPROVAL_TIMEOUT_MINUTES: '1440',
      ...options.settings,
    },
  });
  const host = world.host;
  return {
    world,
    clock,
    stack: world.stack!,
    host,
    proxy: proxy!,
    blobs: BlobServiceClient.fromConnectionString(world.azurite.connectionString),
    ids: idsByName(services),
    plansDir: world.plansDir!,
    lines,
    async startAgent(site) {
      await world.startAgent(site);
    },
    waitFor: (instanceId, { advance = true, timeoutMs = 60_000 } = {}) =>
      world.waitFor(instanceId, { timeoutMs, advance: advance !== false }),
    async getText(pathAndQuery) {
      const res = await host.fetch(pathAndQuery);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${pathAndQuery}: ${res.status} ${text.slice(0, 300)}`);
      return text;
    },
    stop: () => world.stop(),
  };
}

/** Writes a JSON blob into the app's storage (creating its container). */
export async function writeAppJson(
  blobs: BlobServiceClient,
  container: string,
  name: string,
  value: unknown,
): Promise<void> {
  const c = blobs.getContainerClient(container);
  await c.createIfNotExists();
  const body = JSON.stringify(value);
  await c.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
}
