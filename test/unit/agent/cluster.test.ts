import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveAgentConfig } from '../../../agent/config';
import { buildArgv } from '../../../agent/executors/powershell';
import { createSimulatedExecutor, simulatedSiteFromJson } from '../../../local/site';
import { commandParamSchemas, generateSigningKeyPair, hostnameSchema } from '../../../shared/contracts';

/**
 * Issue 22 item 9: the agent's site setting `hyperv.cluster.name` says the replica VMs are roles
 * of a failover cluster; the Hyper-V scripts then get `-Cluster`, and the simulated site answers
 * per node the way the scripts' fakes do.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'agent-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const app = generateSigningKeyPair();
const agent = generateSigningKeyPair();
const env = {
  LIFEBOAT_AGENT_QUEUE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  LIFEBOAT_AGENT_SIGNING_KEY: agent.privateKeyPem,
};
const valid = {
  site: 'dc1',
  agentId: 'agent-dc1',
  queue: {},
  trustedCommandKeys: { [app.keyId]: app.publicKeyPem },
  signingKey: { keyId: agent.keyId },
  executor: { kind: 'powershell' },
  ledgerPath: 'ledger.jsonl',
};

describe('hyperv.cluster.name in the agent configuration', () => {
  it('is absent for a standalone host and read for a cluster', () => {
    expect(resolveAgentConfig(valid, env, dir).hypervCluster).toBeUndefined();
    expect(
      resolveAgentConfig({ ...valid, hyperv: { cluster: { name: 'hvc01.contoso.com' } } }, env, dir)
        .hypervCluster,
    ).toBe('hvc01.contoso.com');
  });

  it.each(['-HVC01', 'HVC01;calc', 'HV C01', 'a..b', 'HVC01.', 'a'.repeat(64)])(
    'refuses the cluster name %j, naming the field and the rule',
    (name) => {
      expect(() => resolveAgentConfig({ ...valid, hyperv: { cluster: { name } } }, env, dir)).toThrow(
        /hyperv\.cluster\.name: must be a host name/,
      );
    },
  );

  it('refuses unknown keys under hyperv', () => {
    expect(() => resolveAgentConfig({ ...valid, hyperv: { clustered: true } }, env, dir)).toThrow(/hyperv/);
  });
});

describe('node names', () => {
  it('accept NetBIOS names and FQDNs, refuse anything that could become a parameter or command', () => {
    for (const ok of ['HV01', 'hv-02', 'hv01.contoso.com'])
      expect(hostnameSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['', '-HV01', 'HV01-', 'HV 01', 'HV01;x', 'HV01$(1)', 'hv01..contoso', 'x'.repeat(254)])
      expect(hostnameSchema.safeParse(bad).success).toBe(false);
  });

  it('a job read names its node only with its VM', () => {
    const jobId = '6a1c5c1e-1111-4a4a-8b8b-000000000001';
    expect(
      commandParamSchemas['hyperv.jobStatus'].safeParse({ jobId, vm: 'SQL01', node: 'HV02' }).success,
    ).toBe(true);
    const lone = commandParamSchemas['hyperv.jobStatus'].safeParse({ jobId, node: 'HV02' });
    expect(lone.success).toBe(false);
    expect(lone.error?.issues[0]?.path).toEqual(['node']);
  });
});

describe('the Hyper-V argument vectors on a cluster', () => {
  const scripts = '/opt/lifeboat/scripts';
  it('adds -Cluster to every Hyper-V script, and to no Lync script', () => {
    expect(
      buildArgv('hyperv.replicationState', { vm: 'SQL01' }, scripts, { cluster: 'HVC01' }).slice(4),
    ).toEqual(['-Vm', 'SQL01', '-Cluster', 'HVC01']);
    expect(
      buildArgv(
        'hyperv.jobStatus',
        { jobId: '6a1c5c1e-1111-4a4a-8b8b-000000000001', vm: 'SQL01', node: 'HV02' },
        scripts,
        { cluster: 'HVC01' },
      ).slice(4),
    ).toEqual([
      '-JobId',
      '6a1c5c1e-1111-4a4a-8b8b-000000000001',
      '-Vm',
      'SQL01',
      '-Node',
      'HV02',
      '-Cluster',
      'HVC01',
    ]);
    expect(
      buildArgv(
        'lync.backupStatus',
        { poolFqdn: 'pool2.contoso.com', module: 'ConfServices.DataConf' },
        scripts,
        {
          cluster: 'HVC01',
        },
      ),
    ).not.toContain('-Cluster');
    expect(buildArgv('hyperv.replicationState', { vm: 'SQL01' }, scripts)).not.toContain('-Cluster');
  });

  it('refuses a cluster name that is not a host name', () => {
    expect(() =>
      buildArgv('hyperv.replicationState', { vm: 'SQL01' }, scripts, { cluster: '-Command' }),
    ).toThrow(expect.objectContaining({ code: 'BadParams' }));
  });
});

describe('the simulated two-node cluster', () => {
  const make = () => {
    let t = 0;
    const site = simulatedSiteFromJson(
      {
        hyperv: {
          cluster: { name: 'HVC01', nodes: ['HV01', 'HV02'] },
          vms: [{ name: 'SQL01', ownerNode: 'HV02', failbackDurationMs: 1000 }],
        },
      },
      { now: () => new Date(t) },
    );
    return { site, at: (ms: number) => (t = ms) };
  };

  it('a node that does not own the VM does not have it; the owner does', () => {
    const { site } = make();
    expect(() => site.replicationState('SQL01', 'HV01')).toThrow(
      expect.objectContaining({ code: 'NotFound' }),
    );
    expect(() => site.initiateFailback('SQL01')).toThrow(expect.objectContaining({ code: 'NotFound' }));
    expect(site.calls.initiateFailback).toBe(0);
    expect(site.initiateFailback('SQL01', 'HV02')).toMatchObject({ returnCode: 4096 });
    expect(site.wmiCalls.map((c) => [c.operation, c.node, c.refused ?? false])).toEqual([
      ['replicationState', 'HV01', true],
      ['initiateFailback', 'HV01', true],
      ['initiateFailback', 'HV02', false],
    ]);
  });

  it('the executor with the cluster setting asks for the owner, calls there, and reads the job there', async () => {
    const { site } = make();
    const executor = createSimulatedExecutor(site, { cluster: 'HVC01' });
    const out = await executor.execute('hyperv.initiateFailback', { vm: 'SQL01' });
    expect(out).toMatchObject({ returnCode: 4096, node: 'HV02' });
    const job = await executor.execute('hyperv.jobStatus', { jobId: out.jobId!, vm: 'SQL01', node: 'HV02' });
    expect(job).toMatchObject({ jobState: 'Running', node: 'HV02' });
    // Without the setting the agent's own node answers, and it has no such VM.
    await expect(
      createSimulatedExecutor(site).execute('hyperv.replicationState', { vm: 'SQL01' }),
    ).rejects.toMatchObject({ code: 'NotFound' });
    // A cluster name that is not the site's cannot be reached.
    await expect(
      createSimulatedExecutor(site, { cluster: 'OTHER' }).execute('hyperv.replicationState', { vm: 'SQL01' }),
    ).rejects.toMatchObject({ code: 'ClusterUnreachable' });
  });

  it('reports VmMoved, naming both nodes, for a move before or after the call and during the job', async () => {
    const { site } = make();
    const executor = createSimulatedExecutor(site, { cluster: 'HVC01' });
    site.moveDuring('SQL01', 'beforeInitiateFailback', 'HV01');
    await expect(executor.execute('hyperv.initiateFailback', { vm: 'SQL01' })).rejects.toMatchObject({
      code: 'VmMoved',
      message: expect.stringMatching(/from node HV02 to node HV01/),
    });
    expect(site.calls.initiateFailback).toBe(0);

    site.moveDuring('SQL01', 'afterInitiateFailback', 'HV02');
    await expect(executor.execute('hyperv.initiateFailback', { vm: 'SQL01' })).rejects.toMatchObject({
      code: 'VmMoved',
      message: expect.stringMatching(/from node HV01 to node HV02/),
    });
    expect(site.calls.initiateFailback).toBe(1);
    expect(await executor.execute('hyperv.replicationState', { vm: 'SQL01' })).toMatchObject({
      replicationState: 'WaitingForFailback',
      node: 'HV02',
    });

    expect(
      site.wmiCalls
        .filter((c) => c.operation === 'initiateFailback')
        .map((c) => [c.node, c.refused ?? false]),
    ).toEqual([
      ['HV02', true],
      ['HV01', false],
    ]);
  });

  it('a job poll after the VM moved is VmMoved; the state is then read on the new owner', async () => {
    const { site, at } = make();
    const executor = createSimulatedExecutor(site, { cluster: 'HVC01' });
    const out = await executor.execute('hyperv.initiateFailback', { vm: 'SQL01' });
    site.moveVm('SQL01', 'HV01');
    await expect(
      executor.execute('hyperv.jobStatus', { jobId: out.jobId!, vm: 'SQL01', node: 'HV02' }),
    ).rejects.toMatchObject({
      code: 'VmMoved',
      message: expect.stringMatching(/from node HV02 to node HV01/),
    });
    at(1000);
    expect(await executor.execute('hyperv.replicationState', { vm: 'SQL01' })).toMatchObject({
      replicationState: 'FailbackCompleted',
      node: 'HV01',
    });
  });
});
