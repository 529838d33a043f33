import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { run as runAgent } from '../../../agent/agent';
import type { AgentClock } from '../../../agent/clock';
import type { AgentConfig } from '../../../agent/config';
import { createSimulatedExecutor, SimulatedSite } from '../../../agent/executors/simulated';
import { DEFAULT_POLL } from '../../../agent/run';
import type { ServiceSpec } from '../../../local/arm/model';
import { VirtualClock } from '../../../local/clock';
import { DEMO_SITE } from '../../../local/site';
import type { InstanceStatus } from '../../../local/host/durable/engine';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import {
  commandQueueName,
  generateSigningKeyPair,
  loadPrivateKey,
  loadPublicKey,
} from '../../../shared/contracts';
import { loadAreas } from '../../helpers/app';
import { startAzureStack, type AzureStack } from '../../helpers/azure';
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
   * Waits for an instance. `advance: false` (an agent answers in real time): time stands still;
   * `unlessAwaitingAgent`: it stands still while a command awaits an agent's result; otherwise the
   * virtual clock jumps to the next durable timer whenever the host is idle.
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

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Azurite (blobs through a counting proxy) + ARM emulator + the local host, one virtual clock. */
export async function startStatusWorld(options: StatusWorldOptions): Promise<StatusWorld> {
  const clock = new VirtualClock(options.start ?? new Date());
  const stack = await startAzureStack({
    clock,
    retryAfterSeconds: 60,
    durations: { backupMs: 10 * 60_000, restoreMs: 30 * 60_000 },
  });
  const cleanups: (() => Promise<void>)[] = [() => stack.stop()];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const proxy = await startCountingProxy(stack.azurite.blobEndpoint);
    cleanups.push(() => proxy.stop());
    const proxied = stack.azurite.connectionString.replace(
      /BlobEndpoint=[^;]+;/,
      `BlobEndpoint=${proxy.origin}/devstoreaccount1;`,
    );
    const plansDir = await mkdtemp(path.join(tmpdir(), 'lifeboat-plans-'));
    cleanups.push(() => rm(plansDir, { recursive: true, force: true }));
    for (const [name, plan] of Object.entries(options.plans ?? {}))
      await writeFile(path.join(plansDir, `${name}.json`), JSON.stringify(plan));

    const ids: Record<string, string> = {};
    for (const s of options.services)
      ids[s.name] = stack.arm.services.add({ identity: { systemAssigned: true }, ...s });
    const id = (name: string) => ids[name] ?? `no service ${name}`;
    const appKey =
      options.signingKey === undefined ? generateSigningKeyPair().privateKeyPem : options.signingKey;
    const appPrivate = loadPrivateKey(appKey);
    const agentKeys = new Map(
      options.sites.map((site) => {
        const given = options.agentKeys?.[site];
        if (given === undefined) return [site, generateSigningKeyPair()] as const;
        const privateKey = loadPrivateKey(given);
        return [site, { privateKey, publicKeyPem: publicPemOf(privateKey) }] as const;
      }),
    );
    const lines: string[] = [];
    const host = await createTestHost({
      appRoot: process.cwd(),
      clock,
      app: statusApp,
      log: (line) => lines.push(line),
      settings: {
        ...stack.settings,
        AzureWebJobsStorage: proxied,
        BackupStorage: proxied,
        AgentQueues: stack.azurite.connectionString,
        LIFEBOAT_PROTECTED_SERVICES: JSON.stringify(
          options.protect.map((p) => ({
            resourceId: id(p.service),
            ...(p.standby === undefined ? {} : { standbyResourceId: id(p.standby) }),
            ...(p.drillTargets === undefined ? {} : { drillTargetResourceIds: p.drillTargets.map(id) }),
          })),
        ),
        LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
        LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
        LIFEBOAT_HEARTBEAT_SCHEDULE: '0 */5 * * * *',
        LIFEBOAT_HEARTBEAT_TIMEOUT_SECONDS: '30',
        LIFEBOAT_RELAY_SIGNING_KEY: appKey,
        LIFEBOAT_RELAY_SIGNING_KEY_ID: 'app-1',
        LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify(
          Object.fromEntries(
            options.sites.map((site) => [
              `agent-${site}-1`,
              { agentId: `agent-${site}`, site, publicKey: agentKeys.get(site)!.publicKeyPem },
            ]),
          ),
        ),
        LIFEBOAT_RELAY_SITES: options.sites.join(','),
        LIFEBOAT_PLANS_DIR: plansDir,
        LIFEBOAT_APPROVAL_TIMEOUT_MINUTES: '1440',
        ...options.settings,
      },
      timers: options.timers ?? false,
      queues: { enabled: true, visibilityTimeoutMs: 0, maxPollingIntervalMs: 250 },
    });
    cleanups.push(() => host.stop());
    const agents: (() => Promise<void>)[] = [];
    cleanups.push(async () => {
      for (const a of agents) await a();
    });

    const world: StatusWorld = {
      clock,
      stack,
      host,
      proxy,
      blobs: BlobServiceClient.fromConnectionString(stack.azurite.connectionString),
      ids,
      plansDir,
      lines,
      async startAgent(site) {
        const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-agent-'));
        const agentClock: AgentClock = {
          now: () => clock.now(),
          sleep: (ms, signal) =>
            new Promise<void>((resolve, reject) => {
              const t = setTimeout(resolve, Math.min(ms, 100));
              signal?.addEventListener('abort', () => {
                clearTimeout(t);
                reject(new Error('aborted'));
              });
            }),
        };
        const key = agentKeys.get(site)!;
        const config: AgentConfig = {
          site,
          agentId: `agent-${site}`,
          queue: {
            connectionString: stack.azurite.connectionString,
            commandsQueue: commandQueueName(site),
            resultsQueue: 'agent-results',
            createIfMissing: true,
          },
          trustedKeys: new Map([['app-1', loadPublicKey(publicPemOf(appPrivate))]]),
          signingKey: key.privateKey,
          signingKeyId: `agent-${site}-1`,
          executor: { kind: 'simulated' },
          ledgerPath: path.join(dir, 'ledger.jsonl'),
          maxClockSkewMs: 120_000,
          ledgerRetentionMs: 48 * 3600_000,
          poll: { ...DEFAULT_POLL, idleMaxMs: 100 },
        };
        const service = QueueServiceClient.fromConnectionString(stack.azurite.connectionString);
        const abort = new AbortController();
        const loop = runAgent(
          config,
          {
            clock: agentClock,
            commands: service.getQueueClient(commandQueueName(site)),
            results: service.getQueueClient('agent-results'),
            executor: createSimulatedExecutor(new SimulatedSite(DEMO_SITE, () => clock.now())),
            audit: () => undefined,
            log: () => undefined,
          },
          abort.signal,
        );
        agents.push(async () => {
          abort.abort();
          await loop.catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        });
      },
      async waitFor(instanceId, { advance = true, timeoutMs = 60_000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const s = host.getStatus(instanceId);
          if (s && TERMINAL.has(s.runtimeStatus)) return s;
          if (Date.now() > deadline)
            throw new Error(
              `waitFor(${instanceId}): still ${s?.runtimeStatus ?? 'unknown'} after ${timeoutMs} ms`,
            );
          await host.host.work.idle();
          const next = host.host.durable.nextTimerDue();
          const hold =
            advance === false ||
            (advance === 'unlessAwaitingAgent' &&
              host.host.durable
                .list({ runtimeStatus: ['Running', 'Pending'] })
                .some((x) => (x.customStatus as { phase?: string } | null)?.phase === 'awaitingResult'));
          if (!hold && next !== undefined) clock.advanceTo(next);
          else await sleep(10);
        }
      },
      async getText(pathAndQuery) {
        const res = await host.fetch(pathAndQuery);
        const text = await res.text();
        if (res.status !== 200) throw new Error(`GET ${pathAndQuery}: ${res.status} ${text.slice(0, 300)}`);
        return text;
      },
      stop: stopAll,
    };
    return world;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function publicPemOf(privateKey: ReturnType<typeof loadPrivateKey>): string {
  return createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
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
