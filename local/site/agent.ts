import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { run as runAgent, type AgentDeps } from '../../agent/agent';
import type { AuditEvent } from '../../agent/audit';
import type { AgentClock } from '../../agent/clock';
import type { AgentConfig } from '../../agent/config';
import { DEFAULT_POLL, type PollSettings } from '../../agent/run';
import { commandQueueName, generateSigningKeyPair } from '../../shared/contracts';
import { errorMessage } from '../../shared/errors';
import type { Clock } from '../clock';
import { createSimulatedExecutor } from './executor';
import { SimulatedSite, type SimulatedSiteDescription } from './simulated';

/** A signing key pair as `generateSigningKeyPair` returns it. */
export type KeyPair = ReturnType<typeof generateSigningKeyPair>;

/** Options for {@link startLocalSite}. */
export interface LocalSiteOptions {
  site: string;
  connectionString: string;
  /** The agent's clock: command expiry, the simulated site's durations and its polling pauses. */
  clock: Clock;
  description?: SimulatedSiteDescription;
  /** Default `agent-<site>`. */
  agentId?: string;
  /** The agent's signing key (default: generated) and the id the app knows it by (default: the key's). */
  agentKey?: { privateKey: KeyObject; publicKeyPem: string; keyId?: string };
  /** Public keys the agent trusts for commands, by key id (default: a generated app key, in `appKey`). */
  trustedKeys?: ReadonlyMap<string, KeyObject>;
  poll?: Partial<PollSettings>;
  /** Every audit event (default: none kept). */
  audit?: (event: AuditEvent) => void;
  log?: (line: string) => void;
  afterExecute?: AgentDeps['afterExecute'];
  /**
   * The agent's `hyperv.cluster.name` (issue 22 item 9). Default: the name of the description's
   * cluster (an agent configured for its site); `null`: none (an agent that was not told its site is
   * a cluster, whose calls then reach only its own node).
   */
  hypervCluster?: string | null;
}

/** A simulated on-premises site with a real agent in front of it. */
export interface LocalSite {
  readonly site: string;
  readonly agentId: string;
  readonly agentKeyId: string;
  readonly simulated: SimulatedSite;
  /** The app's key pair when the site generated it (no `trustedKeys` given). */
  readonly appKey: KeyPair | undefined;
  /** App settings that let the app sign commands for this agent and trust its results. */
  readonly appSettings: Readonly<Record<string, string>>;
  /** Where the agent keeps its ledger (removed on stop). */
  readonly ledgerPath: string;
  /** The agent's command queue (for the world's driver: are commands waiting?). */
  readonly commands: QueueClient;
  /** True while the agent works (receiving, executing, answering); false while it sleeps between polls. */
  busy(): boolean;
  /** Resolves once the agent sleeps between polls (or has stopped). */
  idle(): Promise<void>;
  /** Ends the agent's current pause: it polls now. Time does not move. */
  nudge(): void;
  stop(): Promise<void>;
}

/** The demo site: a paired Lync pool, three replica VMs, a Persistent Chat pool. */
export const DEMO_SITE: SimulatedSiteDescription = {
  lync: {
    pools: [{ fqdn: 'pool2.contoso.local', pairedWith: 'pool1.contoso.local', syncDurationMs: 15_000 }],
  },
  hyperv: {
    vms: [
      { name: 'app-01', replicationState: 'FailedOver', failbackDurationMs: 10_000 },
      { name: 'app-02', replicationState: 'FailedOver', failbackDurationMs: 10_000 },
      { name: 'sql-01', replicationState: 'FailedOver', failbackDurationMs: 20_000 },
    ],
  },
  pchat: { pools: ['pchat.contoso.local'], endpoints: [] },
};

/**
 * Starts an agent (the real `agent/` code: verification, ledger, audit, signed results) for one
 * site, executing against an in-process simulated site. Keys not given are generated at start and
 * never written anywhere but the app settings of this process.
 *
 * The agent's pauses run on the given clock. On a virtual clock it therefore sleeps until the
 * world moves time or {@link LocalSite.nudge}s it; `busy()`/`idle()` tell the world's driver when
 * the agent is mid-work, so time never moves under a command being handled.
 */
export async function startLocalSite(options: LocalSiteOptions): Promise<LocalSite> {
  const generatedApp = options.trustedKeys === undefined ? generateSigningKeyPair() : undefined;
  const trustedKeys =
    options.trustedKeys ?? new Map([[generatedApp!.keyId, generatedApp!.publicKey]] as const);
  const agentId = options.agentId ?? `agent-${options.site}`;
  const generatedAgent = options.agentKey === undefined ? generateSigningKeyPair() : undefined;
  const agentKey = options.agentKey ?? generatedAgent!;
  const agentKeyId = options.agentKey?.keyId ?? generatedAgent?.keyId ?? `${agentId}-1`;
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-agent-'));
  const ledgerPath = path.join(dir, 'ledger.jsonl');

  let sleeping = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  let idleWaiters: (() => void)[] = [];
  const settle = () => {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const clock: AgentClock = {
    now: () => options.clock.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const inner = new AbortController();
        const onAbort = () => inner.abort(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        let settled = false;
        const finish = (error?: unknown) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          sleeping = false;
          wake = undefined;
          if (error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error("the agent's pause ended"));
        };
        wake = () => {
          finish();
          inner.abort(new Error('nudged'));
        };
        sleeping = true;
        settle();
        options.clock.sleep(ms, inner.signal).then(
          () => finish(),
          (error: unknown) => finish(error ?? new Error('aborted')),
        );
      }),
  };
  const description = options.description ?? DEMO_SITE;
  const simulated = new SimulatedSite(description, () => options.clock.now());
  const hypervCluster =
    options.hypervCluster === null ? undefined : (options.hypervCluster ?? description.hyperv?.cluster?.name);
  const config: AgentConfig = {
    site: options.site,
    agentId,
    queue: {
      connectionString: options.connectionString,
      commandsQueue: commandQueueName(options.site),
      resultsQueue: 'agent-results',
      createIfMissing: true,
    },
    trustedKeys,
    signingKey: agentKey.privateKey,
    signingKeyId: agentKeyId,
    executor: { kind: 'provided' },
    ...(hypervCluster === undefined ? {} : { hypervCluster }),
    ledgerPath,
    maxClockSkewMs: 120_000,
    ledgerRetentionMs: 48 * 3600_000,
    poll: { ...DEFAULT_POLL, ...options.poll },
  };
  const service = QueueServiceClient.fromConnectionString(options.connectionString);
  const commands = service.getQueueClient(commandQueueName(options.site));
  const abort = new AbortController();
  const audit = options.audit;
  const log = options.log;
  const loop = runAgent(
    config,
    {
      clock,
      commands,
      results: service.getQueueClient('agent-results'),
      executor: createSimulatedExecutor(simulated, { cluster: config.hypervCluster }),
      audit: audit ?? (() => undefined),
      log: (m) => log?.(m),
      ...(options.afterExecute === undefined ? {} : { afterExecute: options.afterExecute }),
    },
    abort.signal,
  );
  // A crashed agent loop must not go unnoticed: the launcher prints it at once.
  const ended = loop
    .catch((error: unknown) => {
      if (!abort.signal.aborted)
        console.error(`agent for site '${options.site}' stopped: ${errorMessage(error)}`);
    })
    .finally(() => {
      stopped = true;
      settle();
    });
  const appSettings: Record<string, string> = {
    LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify({
      [agentKeyId]: { agentId, site: options.site, publicKey: agentKey.publicKeyPem },
    }),
    LIFEBOAT_RELAY_SITES: options.site,
    ...(generatedApp
      ? {
          LIFEBOAT_RELAY_SIGNING_KEY: generatedApp.privateKeyPem,
          LIFEBOAT_RELAY_SIGNING_KEY_ID: generatedApp.keyId,
        }
      : {}),
  };
  return {
    site: options.site,
    agentId,
    agentKeyId,
    simulated,
    appKey: generatedApp,
    ledgerPath,
    appSettings,
    commands,
    busy: () => !sleeping && !stopped,
    idle: () =>
      sleeping || stopped ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    nudge: () => wake?.(),
    async stop() {
      abort.abort();
      await ended;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
