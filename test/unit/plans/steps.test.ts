import { describe, expect, it } from 'vitest';
import { lyncStatusState } from '../../../shared/contracts/domain';
import type { VmFailbackResult } from '../../../shared/onprem/contracts';
import type { PlanStep } from '../../../shared/plans/plan';
import {
  commandVerdict,
  lyncSyncVerdict,
  refusedVerdict,
  restoreVerdict,
  stepWork,
  vmsVerdict,
  type StepContext,
} from '../../../shared/plans/steps';
import type { RunAgentCommandOutcome } from '../../../shared/relay/contracts';
import type { RestoreRunResult } from '../../../shared/restore/run';
import { restoreInstanceId } from '../../../shared/restore/run';
import { at, samplePlan } from './helpers';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups';
const PRIMARY = `${SUB}/rg-weu/providers/Microsoft.ApiManagement/service/contoso-apim`;
const STANDBY = `${SUB}/rg-neu/providers/Microsoft.ApiManagement/service/contoso-apim-standby`;
const DRILL = `${SUB}/rg-neu/providers/Microsoft.ApiManagement/service/contoso-apim-drill`;

const ctx = (over: Partial<StepContext> = {}): StepContext => ({
  services: [
    {
      serviceName: 'contoso-apim',
      resourceId: PRIMARY,
      standby: { resourceId: STANDBY, serviceName: 'contoso-apim-standby' },
      drillTargets: [{ resourceId: DRILL, serviceName: 'contoso-apim-drill' }],
      allowRestoreOverPrimary: false,
    },
  ],
  sites: ['dc1'],
  restore: {
    timeoutMinutes: 90,
    pollDefaultSeconds: 60,
    retryBudget: 8,
    retryBaseSeconds: 30,
    smokeCheck: true,
  },
  ...over,
});

const steps = Object.fromEntries(samplePlan().groups.flatMap((g) => g.steps.map((s) => [s.id, s]))) as Record<
  'apim' | 'vms' | 'lync' | 'pchat',
  PlanStep
>;

describe('stepWork', () => {
  it('apim.restore: a drill restores into the first drill target, a failover into the standby', () => {
    const drill = stepWork(steps.apim, 'drill', ctx());
    expect(drill).toMatchObject({
      kind: 'restore',
      target: 'contoso-apim-drill',
      instanceId: restoreInstanceId(DRILL),
      input: { targetResourceId: DRILL, backup: 'latest', mode: 'drill', pollDefaultMs: 60_000 },
    });
    const failover = stepWork(steps.apim, 'failover', ctx());
    expect(failover).toMatchObject({
      kind: 'restore',
      target: 'contoso-apim-standby',
      instanceId: restoreInstanceId(STANDBY),
      input: { targetResourceId: STANDBY, mode: 'failover' },
    });
  });

  it('apim.restore: the service name matches in any case', () => {
    const step = { ...steps.apim, params: { service: 'Contoso-APIM' } } as PlanStep;
    expect(stepWork(step, 'failover', ctx()).kind).toBe('restore');
  });

  it('apim.restore: refuses an unknown service, a drill without a drill target, a failover without a standby', () => {
    const unknown = stepWork({ ...steps.apim, params: { service: 'other' } } as PlanStep, 'drill', ctx());
    expect(unknown).toEqual({
      kind: 'refused',
      error: { code: 'UnknownService', message: 'other is not a protected service' },
    });
    const bare = ctx({
      services: [
        { serviceName: 'contoso-apim', resourceId: PRIMARY, drillTargets: [], allowRestoreOverPrimary: true },
      ],
    });
    const noDrill = stepWork(steps.apim, 'drill', bare);
    expect(noDrill).toMatchObject({ kind: 'refused', error: { code: 'NoDrillTarget' } });
    // Never the primary, not even when restoring over it is allowed.
    expect(JSON.stringify(noDrill)).not.toContain(PRIMARY);
    expect(stepWork(steps.apim, 'failover', bare)).toMatchObject({
      kind: 'refused',
      error: { code: 'NoStandby' },
    });
  });

  it('lync.conferenceRestore: a drill reads the Backup Service status, a failover syncs', () => {
    expect(stepWork(steps.lync, 'drill', ctx())).toEqual({
      kind: 'command',
      input: {
        site: 'dc1',
        type: 'lync.backupStatus',
        params: { poolFqdn: 'pool2.contoso.local', module: 'ConfServices.DataConf' },
        mode: 'drill',
      },
    });
    expect(stepWork(steps.lync, 'failover', ctx())).toEqual({
      kind: 'lyncSync',
      input: {
        site: 'dc1',
        poolFqdn: 'pool2.contoso.local',
        lostPoolFqdn: 'pool1.contoso.local',
        module: 'ConfServices.DataConf',
        mode: 'failover',
      },
    });
  });

  it('hyperv.failback: a drill test-fails over each VM, a failover fails back, with the step concurrency', () => {
    expect(stepWork(steps.vms, 'drill', ctx())).toEqual({
      kind: 'vms',
      input: {
        site: 'dc1',
        vms: ['app-01', 'App-02'],
        mode: 'drill',
        action: 'testFailover',
        concurrency: 2,
      },
    });
    expect(stepWork(steps.vms, 'failover', ctx())).toMatchObject({
      kind: 'vms',
      input: { mode: 'failover', action: 'failback' },
    });
  });

  it('pchat.legacyEndpoint: a drill reads the endpoint, a failover ensures it', () => {
    expect(stepWork(steps.pchat, 'drill', ctx())).toEqual({
      kind: 'command',
      input: {
        site: 'dc1',
        type: 'pchat.getLegacyEndpoint',
        params: { sipAddress: 'sip:persistentchat@contoso.local' },
        mode: 'drill',
      },
    });
    expect(stepWork(steps.pchat, 'failover', ctx())).toEqual({
      kind: 'command',
      input: {
        site: 'dc1',
        type: 'pchat.ensureLegacyEndpoint',
        params: { sipAddress: 'sip:persistentchat@contoso.local', poolFqdn: 'pchat.contoso.local' },
        mode: 'failover',
      },
    });
  });

  it('refuses an on-premises step at a site the relay does not know, in both modes', () => {
    for (const step of [steps.vms, steps.lync, steps.pchat])
      for (const mode of ['drill', 'failover'] as const)
        expect(stepWork(step, mode, ctx({ sites: ['dc2'] }))).toEqual({
          kind: 'refused',
          error: { code: 'UnknownSite', message: 'dc1 is not in LIFEBOAT_RELAY_SITES' },
        });
  });
});

const command = (over: Partial<RunAgentCommandOutcome>): RunAgentCommandOutcome => ({
  outcome: 'succeeded',
  type: 'pchat.getLegacyEndpoint',
  commandIds: ['c1'],
  attempts: 1,
  ...over,
});

describe('commandVerdict', () => {
  it('pchat read: absent succeeds (a failover creates it), pointing at the pool succeeds, elsewhere fails', () => {
    const absent = commandVerdict(
      steps.pchat,
      command({ output: { sipAddress: 'sip:persistentchat@contoso.local', exists: false } }),
    );
    expect(absent.outcome).toBe('succeeded');
    expect(absent.summary).toContain('does not exist yet');
    const here = commandVerdict(
      steps.pchat,
      command({
        output: {
          sipAddress: 'sip:persistentchat@contoso.local',
          exists: true,
          poolFqdn: 'PChat.contoso.local',
        },
      }),
    );
    expect(here.outcome).toBe('succeeded');
    const elsewhere = commandVerdict(
      steps.pchat,
      command({
        output: {
          sipAddress: 'sip:persistentchat@contoso.local',
          exists: true,
          poolFqdn: 'old.contoso.local',
        },
      }),
    );
    expect(elsewhere).toMatchObject({
      outcome: 'failed',
      error: { code: 'EndpointPointsElsewhere' },
      evidence: { exists: true, poolFqdn: 'old.contoso.local' },
    });
    expect(elsewhere.error?.message).toContain('not pchat.contoso.local');
  });

  it('Lync read: ErrorState on either side fails, a steady module succeeds read-only', () => {
    const status = (exportStatus: string, importStatus: string) =>
      commandVerdict(
        steps.lync,
        command({
          type: 'lync.backupStatus',
          output: {
            poolFqdn: 'pool2.contoso.local',
            module: 'ConfServices.DataConf',
            exportStatus,
            importStatus,
            state: lyncStatusState(exportStatus as never, importStatus as never),
          } as never,
        }),
      );
    expect(status('ErrorState', 'NormalState')).toMatchObject({
      outcome: 'failed',
      error: { code: 'BackupServiceError' },
    });
    expect(status('SteadyState', 'ErrorState').outcome).toBe('failed');
    const ok = status('SteadyState', 'NormalState');
    expect(ok.outcome).toBe('succeeded');
    expect(ok.summary).toMatch(/^read only: /);
  });

  it('pchat ensure says whether it created the endpoint', () => {
    const v = commandVerdict(
      steps.pchat,
      command({
        type: 'pchat.ensureLegacyEndpoint',
        output: {
          sipAddress: 'sip:persistentchat@contoso.local',
          poolFqdn: 'pchat.contoso.local',
          created: true,
        },
      }),
    );
    expect(v).toMatchObject({ outcome: 'succeeded', evidence: { created: true } });
    expect(v.summary).toContain('created');
  });

  it('a command that did not succeed keeps its outcome; one that succeeded without output failed', () => {
    const timedOut = commandVerdict(
      steps.pchat,
      command({ outcome: 'timedOut', error: { code: 'NoResult', message: 'no answer' } }),
    );
    expect(timedOut).toMatchObject({ outcome: 'timedOut', error: { code: 'NoResult' } });
    expect(commandVerdict(steps.pchat, command({}))).toMatchObject({
      outcome: 'failed',
      error: { code: 'NoOutput' },
    });
  });
});

describe('the other verdicts', () => {
  it('a restore keeps its outcome and recovery point', () => {
    const result: RestoreRunResult = {
      serviceName: 'contoso-apim',
      mode: 'failover',
      outcome: 'succeeded',
      target: { resourceId: STANDBY, role: 'standby' },
      backup: { name: 'contoso-apim-20261129T0300Z.apimbackup', takenAt: at(-360) },
      recoveryPointAgeMs: 360 * 60_000,
      timings: { startedAt: at(0), endedAt: at(31) },
      verification: { equal: true, differenceCount: 0, differences: [] },
      smokeCheck: { status: 'passed' },
      retries: 0,
      polls: 30,
    };
    const v = restoreVerdict(result, 'contoso-apim-standby');
    expect(v).toMatchObject({
      outcome: 'succeeded',
      recoveryPointAt: at(-360),
      evidence: { target: 'contoso-apim-standby', role: 'standby', recoveryPointAgeMinutes: 360 },
    });
    expect(v.summary).toContain('gateway healthy');
    const { backup: _backup, recoveryPointAgeMs: _age, ...withoutBackup } = result;
    const failed = restoreVerdict(
      { ...withoutBackup, outcome: 'failed', error: { code: 'RestoreFailed', message: 'boom' } },
      'contoso-apim-standby',
    );
    expect(failed).toMatchObject({ outcome: 'failed', error: { code: 'RestoreFailed' } });
    expect(failed.recoveryPointAt).toBeUndefined();
  });

  it('a Lync sync and a VM fan-out keep their outcome; a fan-out names each VM that did not succeed', () => {
    expect(
      lyncSyncVerdict({
        outcome: 'failed',
        site: 'dc1',
        poolFqdn: 'pool2.contoso.local',
        module: 'ConfServices.DataConf',
        polls: 3,
        error: { code: 'ErrorState', message: 'ErrorState' },
      }),
    ).toMatchObject({ outcome: 'failed', error: { code: 'ErrorState' }, evidence: { polls: 3 } });
    const vms: VmFailbackResult = {
      outcome: 'partial',
      site: 'dc1',
      mode: 'failover',
      counts: { succeeded: 1, failed: 1 } as VmFailbackResult['counts'],
      vms: [
        { vm: 'app-01', outcome: 'succeeded' },
        { vm: 'app-02', outcome: 'failed', error: { code: 'JobFailed', message: 'job failed' } },
      ] as unknown as VmFailbackResult['vms'],
    };
    const v = vmsVerdict(vms, 'failover');
    expect(v.outcome).toBe('partial');
    expect(v.summary).toBe('failback: 1 of 2 VM(s) at dc1 failed back; app-02: job failed');
  });

  it('a refusal runs nothing and says why', () => {
    expect(refusedVerdict({ code: 'UnknownSite', message: 'dc9 is not known' })).toEqual({
      outcome: 'refused',
      error: { code: 'UnknownSite', message: 'dc9 is not known' },
      summary: 'dc9 is not known',
      evidence: {},
    });
  });
});
