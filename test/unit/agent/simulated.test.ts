import { describe, expect, it } from 'vitest';
import { simulatedSiteFromJson } from '../../../local/site';

describe('simulated site', () => {
  it('moves a Lync module NonSteadyState → done over time, or to ErrorState when told to fail', () => {
    let t = 0;
    const site = simulatedSiteFromJson(
      JSON.stringify({
        lync: {
          pools: [
            {
              fqdn: 'pool2.contoso.com',
              pairedWith: 'pool1.contoso.com',
              syncLagMs: 0,
              syncDurationMs: 1000,
              finalState: true,
            },
          ],
        },
      }),
      { now: () => new Date(t) },
    );
    site.backupSync('pool2.contoso.com', 'ConfServices.DataConf', 'pool1.contoso.com');
    expect(site.backupStatus('pool2.contoso.com', 'ConfServices.DataConf')).toMatchObject({
      exportStatus: 'NonSteadyState',
      state: 'inProgress',
    });
    t = 1000;
    // Issue 22 item 3: FinalState is not the procedure's Steady State (this said done before).
    expect(site.backupStatus('pool2.contoso.com', 'ConfServices.DataConf')).toMatchObject({
      exportStatus: 'FinalState',
      state: 'inProgress',
    });
    site.failLyncModule('pool2.contoso.com');
    site.backupSync('pool2.contoso.com', 'ConfServices.DataConf', 'pool1.contoso.com');
    t = 2000;
    expect(site.backupStatus('pool2.contoso.com', 'ConfServices.DataConf')).toMatchObject({
      exportStatus: 'ErrorState',
      state: 'failed',
    });
    expect(() => site.backupStatus('pool9.contoso.com', 'ConfServices.DataConf')).toThrow(
      expect.objectContaining({ code: 'NotFound' }),
    );
  });

  it('runs a failback job to FailbackCompleted, answers 32775 on repeat, and fails injected VMs', () => {
    let t = 0;
    const site = simulatedSiteFromJson(
      {
        hyperv: {
          vms: [
            { name: 'SQL01', failbackDurationMs: 500 },
            { name: 'WEB01', fail: 'job' },
          ],
        },
      },
      { now: () => new Date(t) },
    );
    const first = site.initiateFailback('SQL01');
    expect(first).toMatchObject({ returnCode: 4096 });
    expect(site.initiateFailback('sql01')).toMatchObject({
      returnCode: 32775,
      meaning: 'Invalid state for this operation',
    });
    expect(site.jobStatus(first.jobId!)).toMatchObject({ jobState: 'Running', state: 'inProgress' });
    t = 500;
    expect(site.jobStatus(first.jobId!)).toMatchObject({ jobState: 'Completed', state: 'done' });
    expect(site.replicationState('SQL01').replicationState).toBe('FailbackCompleted');
    const bad = site.initiateFailback('WEB01');
    t = 100_000;
    expect(site.jobStatus(bad.jobId!)).toMatchObject({ jobState: 'Exception', state: 'failed' });
  });

  it('creates test VMs and Persistent Chat endpoints non-idempotently', () => {
    const site = simulatedSiteFromJson(
      { hyperv: { vms: [{ name: 'SQL01' }] }, pchat: { pools: ['pc.contoso.com'] } },
      { now: () => new Date(0) },
    );
    expect(site.startTestFailover('SQL01')).toMatchObject({ testVmName: 'SQL01 - Test' });
    expect(() => site.startTestFailover('SQL01')).toThrow(expect.objectContaining({ code: 'TestVmExists' }));
    expect(site.stopTestFailover('SQL01')).toMatchObject({ removed: true });
    expect(site.testVms()).toEqual([]);
    site.createEndpoint('sip:chat@contoso.com', 'pc.contoso.com');
    expect(() => site.createEndpoint('sip:chat@contoso.com', 'pc.contoso.com')).toThrow(
      expect.objectContaining({ code: 'AlreadyExists' }),
    );
    expect(site.getEndpoint('sip:CHAT@contoso.com')).toMatchObject({
      exists: true,
      poolFqdn: 'pc.contoso.com',
    });
  });
});
