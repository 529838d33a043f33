import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPowerShellExecutor, defaultScriptsDir } from '../../../agent/executors/powershell';
import type { Executor } from '../../../agent/executors/types';
import { createFakeSite, defaultFakeSite, requirePwsh, VM_ID, type FakeSite } from './pwsh';

// Each test starts real pwsh processes, one per script (seconds each; tens of seconds when CI runs
// the benchmarks beside the tests): their limits bound a hang, they do not judge speed.
vi.setConfig({ testTimeout: 240_000 });

/**
 * The JSON each agent script prints, parsed by the agent's real parser: the PowerShell executor
 * (argument vector, execFile, parseScriptOutput and the contract's output schemas) runs pwsh
 * 7.6.9 and the real scripts in agent/scripts against the fake Lync / Hyper-V modules.
 * The scripts' own cases (every error, validation) are Pester tests in test/powershell.
 */

let site: FakeSite;
let executor: Executor;

beforeAll(async () => {
  const pwsh = requirePwsh();
  site = await createFakeSite();
  // The executor's child processes inherit this worker's environment (each test file runs in
  // its own process: see vitest.config.mts).
  Object.assign(process.env, site.env);
  executor = createPowerShellExecutor({ pwsh, scriptsDir: defaultScriptsDir(), timeoutMs: 120_000 });
});

afterAll(async () => {
  await site?.remove();
});

beforeEach(async () => {
  await site.write(defaultFakeSite());
});

describe('Lync Backup Service scripts through the PowerShell executor', () => {
  it('lync.backupSync answers the pool and module, and the fake saw one sync', async () => {
    await expect(
      executor.execute('lync.backupSync', {
        poolFqdn: 'pool2.contoso.com',
        lostPoolFqdn: 'pool1.contoso.com',
        module: 'ConfServices.DataConf',
      }),
    ).resolves.toEqual({
      poolFqdn: 'pool2.contoso.com',
      lostPoolFqdn: 'pool1.contoso.com',
      module: 'ConfServices.DataConf',
    });
    const calls = (await site.read()).calls;
    expect(calls.map((c) => [c.cmdlet, c.parameters])).toEqual([
      [
        'Invoke-CsBackupServiceSync',
        { PoolFqdn: 'pool2.contoso.com', BackupModule: 'ConfServices.DataConf' },
      ],
    ]);
  });

  it('lync.backupStatus parses in progress, then done, including the spelling "Steady State"', async () => {
    const state = defaultFakeSite();
    state.lync.pools[0]!.syncDurationMs = 600_000;
    state.lync.pools[0]!.spelling = 'spaced';
    await site.write(state);
    await executor.execute('lync.backupSync', {
      poolFqdn: 'pool2.contoso.com',
      lostPoolFqdn: 'pool1.contoso.com',
      module: 'ConfServices.DataConf',
    });
    await expect(
      executor.execute('lync.backupStatus', {
        poolFqdn: 'pool2.contoso.com',
        module: 'ConfServices.DataConf',
      }),
    ).resolves.toEqual({
      poolFqdn: 'pool2.contoso.com',
      module: 'ConfServices.DataConf',
      exportStatus: 'NonSteadyState',
      importStatus: 'NormalState',
      state: 'inProgress',
    });
    await expect(
      executor.execute('lync.backupStatus', {
        poolFqdn: 'pool2.contoso.com',
        module: 'CentralMgmt.CMSMaster',
      }),
    ).resolves.toMatchObject({ exportStatus: 'SteadyState', state: 'done' });
  });

  it('lync.backupRelationship reads the pairing; the status reads deserialized objects too', async () => {
    await expect(
      executor.execute('lync.backupRelationship', { poolFqdn: 'pool2.contoso.com' }),
    ).resolves.toEqual({
      poolFqdn: 'pool2.contoso.com',
      backupPoolFqdn: 'pool1.contoso.com',
    });
    const state = defaultFakeSite();
    state.lync.pools[0]!.shape = 'deserialized';
    await site.write(state);
    await expect(
      executor.execute('lync.backupStatus', {
        poolFqdn: 'pool2.contoso.com',
        module: 'ConfServices.DataConf',
      }),
    ).resolves.toMatchObject({ exportStatus: 'SteadyState', importStatus: 'NormalState', state: 'done' });
  });

  it('a script-reported error reaches the agent with its code', async () => {
    await expect(
      executor.execute('lync.backupStatus', {
        poolFqdn: 'pool9.contoso.com',
        module: 'ConfServices.DataConf',
      }),
    ).rejects.toMatchObject({ name: 'ExecutorError', code: 'CmdletFailed' });
  });
});

describe('Hyper-V Replica scripts through the PowerShell executor', () => {
  it('hyperv.initiateFailback → 4096 with a job id; hyperv.jobStatus and hyperv.replicationState follow the job', async () => {
    const state = defaultFakeSite();
    state.hyperv.vms[0]!.failbackDurationMs = 600_000;
    await site.write(state);
    const started = await executor.execute('hyperv.initiateFailback', { vm: 'SQL01' });
    expect(started).toEqual({
      returnCode: 4096,
      meaning: 'Method Parameters Checked - Job Started',
      jobId: expect.stringMatching(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/) as unknown,
    });
    const jobId = started.jobId!;
    await expect(executor.execute('hyperv.jobStatus', { jobId })).resolves.toMatchObject({
      jobId,
      jobState: 'Running',
      state: 'inProgress',
    });
    await expect(executor.execute('hyperv.replicationState', { vm: 'SQL01' })).resolves.toEqual({
      vm: 'SQL01',
      vmId: VM_ID,
      replicationState: 'WaitingForFailback',
      // Issue 22 item 8: the VM's replica role is read too.
      replicationMode: 'Replica',
    });
    // Ten minutes pass.
    const later = await site.read();
    later.hyperv.jobs[0]!['startedAt'] = (later.hyperv.jobs[0]!['startedAt'] as number) - 600_000;
    await site.write(later);
    await expect(executor.execute('hyperv.jobStatus', { jobId })).resolves.toEqual({
      jobId,
      jobState: 'Completed',
      state: 'done',
      percentComplete: 100,
      errorCode: 0,
    });
    await expect(executor.execute('hyperv.replicationState', { vm: VM_ID })).resolves.toMatchObject({
      replicationState: 'FailbackCompleted',
    });
    // Repeated: 32775, which the agent answers by re-reading the state (agent/core.ts).
    await expect(executor.execute('hyperv.initiateFailback', { vm: 'SQL01' })).resolves.toEqual({
      returnCode: 32775,
      meaning: 'Invalid state for this operation',
    });
  });

  it('a failed job parses with its error code and description', async () => {
    const state = defaultFakeSite();
    state.hyperv.vms[0]!.jobErrorCode = 32768;
    await site.write(state);
    const { jobId } = await executor.execute('hyperv.initiateFailback', {
      vm: 'SQL01',
      recoveryPointId: 'Microsoft:0b3f7a55-3333-4c4c-9d9d-000000000003',
    });
    await expect(executor.execute('hyperv.jobStatus', { jobId: jobId! })).resolves.toMatchObject({
      jobState: 'Exception',
      state: 'failed',
      errorCode: 32768,
      errorDescription: expect.stringMatching(/failback/) as unknown,
    });
  });

  it('test failover: start, then stop, parse', async () => {
    await expect(executor.execute('hyperv.startTestFailover', { vm: 'SQL01' })).resolves.toEqual({
      vm: 'SQL01',
      testVmName: 'SQL01 - Test',
      created: true,
    });
    await expect(executor.execute('hyperv.stopTestFailover', { vm: 'SQL01' })).resolves.toEqual({
      vm: 'SQL01',
      removed: true,
    });
    await expect(executor.execute('hyperv.stopTestFailover', { vm: 'SQL01' })).resolves.toEqual({
      vm: 'SQL01',
      removed: false,
    });
  });

  it('an unknown VM is NotFound', async () => {
    await expect(executor.execute('hyperv.replicationState', { vm: 'SQL99' })).rejects.toMatchObject({
      code: 'NotFound',
    });
  });
});

describe('Hyper-V Replica scripts on a failover cluster through the PowerShell executor (issue 22 item 9)', () => {
  const clustered = () => {
    const state = defaultFakeSite();
    state.hyperv.cluster = { name: 'HVC01', nodes: ['HV01', 'HV02'], localNode: 'HV01' };
    state.hyperv.vms[0]!.ownerNode = 'HV02';
    state.hyperv.vms[0]!.failbackDurationMs = 600_000;
    return state;
  };

  it('with hyperv.cluster.name the scripts call WMI on the owner node, and their outputs name it', async () => {
    await site.write(clustered());
    const onCluster = createPowerShellExecutor({
      pwsh: requirePwsh(),
      scriptsDir: defaultScriptsDir(),
      timeoutMs: 120_000,
      cluster: 'HVC01',
    });
    const out = await onCluster.execute('hyperv.initiateFailback', { vm: 'SQL01' });
    expect(out).toMatchObject({ returnCode: 4096, node: 'HV02' });
    await expect(
      onCluster.execute('hyperv.jobStatus', { jobId: out.jobId!, vm: 'SQL01', node: 'HV02' }),
    ).resolves.toMatchObject({ jobState: 'Running', node: 'HV02' });
    const after = await site.read();
    expect(
      after.calls.filter((c) => c.cmdlet === 'InitiateFailback').map((c) => c.parameters['Node']),
    ).toEqual(['HV02']);
    // The same scripts without the setting reach the agent's own node, which has no such VM.
    await expect(executor.execute('hyperv.replicationState', { vm: 'SQL01' })).rejects.toMatchObject({
      code: 'NotFound',
    });
  }, 240_000);

  it('a role that moved right after InitiateFailback reaches the agent as VmMoved, naming both nodes', async () => {
    const state = clustered();
    state.hyperv.vms[0]!.moveDuring = { when: 'afterInitiateFailback', to: 'HV01' };
    await site.write(state);
    const onCluster = createPowerShellExecutor({
      pwsh: requirePwsh(),
      scriptsDir: defaultScriptsDir(),
      timeoutMs: 120_000,
      cluster: 'HVC01',
    });
    await expect(onCluster.execute('hyperv.initiateFailback', { vm: 'SQL01' })).rejects.toMatchObject({
      code: 'VmMoved',
      message: expect.stringMatching(/from node HV02 to node HV01/),
    });
  }, 240_000);
});

describe('Persistent Chat scripts through the PowerShell executor', () => {
  it('pchat.getLegacyEndpoint parses absent and present (another pool)', async () => {
    await expect(
      executor.execute('pchat.getLegacyEndpoint', { sipAddress: 'sip:ocschat@contoso.com' }),
    ).resolves.toEqual({ sipAddress: 'sip:ocschat@contoso.com', exists: false });
    await expect(
      executor.execute('pchat.getLegacyEndpoint', { sipAddress: 'sip:other@contoso.com' }),
    ).resolves.toEqual({ sipAddress: 'sip:other@contoso.com', exists: true, poolFqdn: 'pc2.contoso.com' });
  });

  it('pchat.ensureLegacyEndpoint creates once; the second is AlreadyExists', async () => {
    const params = {
      sipAddress: 'sip:ocschat@contoso.com',
      poolFqdn: 'pc.contoso.com',
      displayName: 'Group Chat',
    };
    await expect(executor.execute('pchat.ensureLegacyEndpoint', params)).resolves.toEqual({
      sipAddress: 'sip:ocschat@contoso.com',
      poolFqdn: 'pc.contoso.com',
      created: true,
    });
    await expect(executor.execute('pchat.ensureLegacyEndpoint', params)).rejects.toMatchObject({
      code: 'AlreadyExists',
    });
    const created = (await site.read()).pchat.endpoints.filter((e) => e.sipAddress === params.sipAddress);
    expect(created).toEqual([
      { sipAddress: params.sipAddress, poolFqdn: 'pc.contoso.com', displayName: 'Group Chat' },
    ]);
  });
});
