import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runAgent } from '../../../agent/agent';
import { realClock } from '../../../agent/clock';
import { resolveAgentConfig } from '../../../agent/config';
import { defaultScriptsDir } from '../../../agent/executors/powershell';
import type { VmFailbackResult } from '../../../shared/onprem/contracts';
import { startAsLifeboat } from '../../helpers/tickets';
import { relayApp } from '../relay/app';
import { RealClock, startRelayWorld, type RelayWorld } from '../relay/helpers';
import { createFakeSite, defaultFakeSite, requirePwsh, VM_ID, type FakeSite } from './pwsh';

/**
 * Issue 22 item 9 end to end with the real scripts: the relay functions in the local host, Azurite,
 * and a real agent configured from a configuration object with `hyperv.cluster.name` (parsed by
 * the agent's own schema), whose `powershell` executor runs pwsh and the real Hyper-V scripts
 * against the fake FailoverClusters, CIM and Hyper-V modules of a two-node cluster (HV01, where the
 * agent runs, and HV02, which owns the VMs). Real time: the fakes' jobs last seconds.
 */

let world: RelayWorld;
let site: FakeSite;
let stopAgent: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const pwsh = requirePwsh();
  const state = defaultFakeSite();
  state.hyperv.cluster = { name: 'HVC01', nodes: ['HV01', 'HV02'], localNode: 'HV01' };
  state.hyperv.vms[0]!.ownerNode = 'HV02';
  state.hyperv.vms[0]!.failbackDurationMs = 3000;
  state.hyperv.vms.push({
    id: '6a1c5c1e-6666-4a4a-8b8b-000000000006',
    name: 'MOV01',
    replicationState: 6,
    failbackDurationMs: 3000,
    recoveryPoints: [],
    testVm: false,
    ownerNode: 'HV02',
    // The cluster moves MOV01's role to HV01 right after InitiateFailback ran on HV02.
    moveDuring: { when: 'afterInitiateFailback', to: 'HV01' },
  });
  site = await createFakeSite(state);
  Object.assign(process.env, site.env);

  world = await startRelayWorld({ app: relayApp, clock: new RealClock() });
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-agent-cluster-'));
  const config = resolveAgentConfig(
    {
      site: world.site,
      agentId: world.agentId,
      queue: { createIfMissing: true, resultsQueue: 'agent-results' },
      trustedCommandKeys: { 'app-1': world.appKey.publicKeyPem },
      signingKey: { keyId: world.agentKeyId },
      executor: { kind: 'powershell', pwsh, scriptsDir: defaultScriptsDir(), timeoutSeconds: 120 },
      hyperv: { cluster: { name: 'HVC01' } },
      ledgerPath: path.join(dir, 'ledger.jsonl'),
      poll: { idleMinMs: 100, idleMaxMs: 200 },
    },
    {
      LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: world.azurite.connectionString,
      LIFEBOAT_AGENT_SIGNING_KEY: world.agentKey.privateKeyPem,
    },
    dir,
  );
  expect(config.hypervCluster).toBe('HVC01');
  const service = QueueServiceClient.fromConnectionString(world.azurite.connectionString);
  const abort = new AbortController();
  const loop = runAgent(
    config,
    {
      clock: realClock,
      commands: service.getQueueClient(config.queue.commandsQueue),
      results: service.getQueueClient('agent-results'),
      // No executor given: the agent builds it from the configuration, -Cluster included.
      audit: () => undefined,
      log: () => undefined,
    },
    abort.signal,
  );
  stopAgent = async () => {
    abort.abort();
    await loop.catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
}, 120_000);

afterAll(async () => {
  await stopAgent?.();
  await world?.stop();
  await site?.remove();
}, 60_000);

describe('failback on a failover cluster with the real scripts under pwsh', () => {
  it('calls InitiateFailback on the owner node; a VM that moved right after it is followed to its new owner', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
      site: world.site,
      vms: ['SQL01', 'MOV01'],
      mode: 'failover',
      concurrency: 2,
      pollMs: 1000,
      timeoutMs: 400_000,
      timeouts: { deliveryMs: 120_000, executionMs: 240_000, maxAttempts: 1 },
    });
    const status = await world.waitFor(id, 500_000);
    expect(status.runtimeStatus).toBe('Completed');
    const result = status.output as VmFailbackResult;
    const byVm = new Map(result.vms.map((v) => [v.vm, v]));
    expect(byVm.get('SQL01')).toMatchObject({
      outcome: 'succeeded',
      returnCode: 4096,
      replicationState: 'FailbackCompleted',
    });
    expect(byVm.get('SQL01')?.vmMoved).toBeUndefined();
    expect(byVm.get('MOV01')).toMatchObject({
      outcome: 'succeeded',
      alreadyDone: true,
      replicationState: 'FailbackCompleted',
      vmMoved: { code: 'VmMoved' },
    });
    expect(byVm.get('MOV01')?.vmMoved?.message).toMatch(/from node HV02 to node HV01/);

    const after = await site.read();
    const initiated = after.calls.filter((c) => c.cmdlet === 'InitiateFailback');
    // One call per VM, each on HV02 (the owner when it was made), none refused by a node without the VM.
    expect(
      initiated.map((c) => [c.parameters['ComputerSystem'], c.parameters['Node'], c.parameters['refused']]),
    ).toEqual(
      expect.arrayContaining([
        [VM_ID.toUpperCase(), 'HV02', undefined],
        ['6A1C5C1E-6666-4A4A-8B8B-000000000006', 'HV02', undefined],
      ]),
    );
    expect(initiated).toHaveLength(2);
    expect(after.hyperv.vms.find((v) => v.name === 'MOV01')!.ownerNode).toBe('HV01');
    expect(after.hyperv.vms.every((v) => v.replicationState === 14)).toBe(true);
  }, 600_000);
});
