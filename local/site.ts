import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run as runAgent } from '../agent/agent';
import type { AgentClock } from '../agent/clock';
import type { AgentConfig } from '../agent/config';
import {
  createSimulatedExecutor,
  SimulatedSite,
  type SimulatedSiteDescription,
} from '../agent/executors/simulated';
import { DEFAULT_POLL } from '../agent/run';
import { commandQueueName, generateSigningKeyPair } from '../shared/contracts';
import { errorMessage } from '../shared/errors';
import type { Clock } from './clock';

/** A simulated on-premises site with a real agent in front of it, for `npm start`. */
export interface LocalSite {
  readonly site: string;
  readonly simulated: SimulatedSite;
  /** App settings that let the app sign commands for this agent and trust its results. */
  readonly appSettings: Readonly<Record<string, string>>;
  /** Where the agent keeps its ledger (removed on stop). */
  readonly ledgerPath: string;
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
 * site, executing against an in-process simulated site. Signing keys for the app and the agent are
 * generated at start and never written anywhere but the app settings of this process.
 */
export async function startLocalSite(options: {
  site: string;
  connectionString: string;
  clock: Clock;
  description?: SimulatedSiteDescription;
  audit?: (line: string) => void;
}): Promise<LocalSite> {
  const appKey = generateSigningKeyPair();
  const agentKey = generateSigningKeyPair();
  const agentId = `agent-${options.site}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-agent-'));
  const ledgerPath = path.join(dir, 'ledger.jsonl');
  const clock: AgentClock = {
    now: () => options.clock.now(),
    sleep: (ms, signal) => options.clock.sleep(ms, signal),
  };
  const simulated = new SimulatedSite(options.description ?? DEMO_SITE, () => options.clock.now());
  const config: AgentConfig = {
    site: options.site,
    agentId,
    queue: {
      connectionString: options.connectionString,
      commandsQueue: commandQueueName(options.site),
      resultsQueue: 'agent-results',
      createIfMissing: true,
    },
    trustedKeys: new Map([[appKey.keyId, appKey.publicKey]]),
    signingKey: agentKey.privateKey,
    signingKeyId: agentKey.keyId,
    executor: { kind: 'simulated' },
    ledgerPath,
    maxClockSkewMs: 120_000,
    ledgerRetentionMs: 48 * 3600_000,
    poll: DEFAULT_POLL,
  };
  const abort = new AbortController();
  const audit = options.audit;
  const loop = runAgent(
    config,
    {
      clock,
      executor: createSimulatedExecutor(simulated),
      ...(audit ? { audit: (e: unknown) => audit(JSON.stringify(e)) } : {}),
      log: (m) => audit?.(m),
    },
    abort.signal,
  );
  // A crashed agent loop must not go unnoticed: the launcher prints it at once.
  const stopped = loop.catch((error: unknown) => {
    if (!abort.signal.aborted)
      console.error(`agent for site '${options.site}' stopped: ${errorMessage(error)}`);
  });
  return {
    site: options.site,
    simulated,
    ledgerPath,
    appSettings: {
      LIFEBOAT_RELAY_SIGNING_KEY: appKey.privateKeyPem,
      LIFEBOAT_RELAY_SIGNING_KEY_ID: appKey.keyId,
      LIFEBOAT_RELAY_AGENT_KEYS: JSON.stringify({
        [agentKey.keyId]: { agentId, site: options.site, publicKey: agentKey.publicKeyPem },
      }),
      LIFEBOAT_RELAY_SITES: options.site,
    },
    async stop() {
      abort.abort();
      await stopped;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
