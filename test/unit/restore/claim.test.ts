import { describe, expect, it } from 'vitest';
import {
  decideClaim,
  evidenceOf,
  targetBusy,
  waitsForHolder,
  type TargetRecord,
} from '../../../shared/restore/claim';
import {
  isRestoreRunOf,
  isStandbySyncRun,
  STANDBY_SYNC_RUN_PREFIX,
  restoreInstanceId,
  restoreRunId,
  restoreRunSuffix,
  type RestoreRunResult,
} from '../../../shared/restore/run';
import { withTargetClaimed, withTargetReleased, type ServiceDigest } from '../../../shared/digest/service';
import { serviceFromDigest } from '../../../shared/status/digest';

const TARGET =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/prod-drill';
const NOW = new Date('2026-12-07T00:41:05.123Z');

describe('restore run ids (issue 21, item 5)', () => {
  it('every request is its own run, readable and recognisably a run into its target', () => {
    const a = restoreRunId(TARGET, restoreRunSuffix(NOW, 'a1b2c3'));
    const b = restoreRunId(TARGET, restoreRunSuffix(NOW, 'd4e5f6'));
    expect(a).toMatch(/^restore-prod-drill-[0-9a-f]{8}-20261207t004105z-a1b2c3$/);
    expect(a).not.toBe(b);
    expect(isRestoreRunOf(a, TARGET.toUpperCase())).toBe(true);
    expect(isRestoreRunOf(restoreInstanceId(TARGET), TARGET)).toBe(true);
    expect(isRestoreRunOf(a, TARGET.replace('prod-drill', 'prod'))).toBe(false);
    expect(isRestoreRunOf('restore-canary', TARGET)).toBe(false);
  });
});

describe('a failover meeting the standby sync (issue 23)', () => {
  const sync = restoreRunId(TARGET, `${STANDBY_SYNC_RUN_PREFIX}${restoreRunSuffix(NOW, 'a1b2c3')}`);
  const plan = restoreRunId(TARGET, 'dr-20261207-ab12-apim');
  const http = restoreRunId(TARGET, restoreRunSuffix(NOW, 'd4e5f6'));

  it("recognises the sync's restore runs by their id", () => {
    expect(isStandbySyncRun(sync)).toBe(true);
    expect(isStandbySyncRun(plan)).toBe(false);
    expect(isStandbySyncRun(http)).toBe(false);
    expect(isStandbySyncRun('standby-sync')).toBe(false);
  });

  it("a failover's restore waits for the sync's restore; every other meeting refuses", () => {
    expect(waitsForHolder(plan, sync, 'failover')).toBe(true);
    expect(waitsForHolder(http, sync, 'failover')).toBe(true);
    // A drill or a restore into a drill target never waits; nor does a sync meet a sync, nor anyone a plan.
    expect(waitsForHolder(plan, sync, 'drill')).toBe(false);
    expect(
      waitsForHolder(sync, restoreRunId(TARGET, `sync-${restoreRunSuffix(NOW, 'ffffff')}`), 'failover'),
    ).toBe(false);
    expect(waitsForHolder(sync, plan, 'failover')).toBe(false);
    expect(waitsForHolder(http, plan, 'failover')).toBe(false);
  });
});

describe('holding a target (issue 21, item 7)', () => {
  const held: TargetRecord = { holder: 'run-a', claimedAt: NOW.toISOString() };
  it('a free target, one held by this run, or by a run that ended is taken', () => {
    expect(decideClaim(undefined, 'run-b', false)).toEqual({ take: true });
    expect(decideClaim({ holder: null }, 'run-b', false)).toEqual({ take: true });
    expect(decideClaim(held, 'run-a', true)).toEqual({ take: true });
    expect(decideClaim(held, 'run-b', false)).toEqual({ take: true });
  });
  it('a target a running run holds is refused, naming the run', () => {
    expect(decideClaim(held, 'run-b', true)).toEqual({ take: false, holder: 'run-a' });
    expect(targetBusy(TARGET, 'run-a')).toEqual({
      code: 'TargetBusy',
      message: expect.stringContaining('run-a (/api/restores/run-a)') as string,
    });
  });
});

describe('restore evidence', () => {
  const result = (outcome: RestoreRunResult['outcome']): RestoreRunResult => ({
    serviceName: 'prod',
    mode: 'drill',
    outcome,
    target: { resourceId: TARGET },
    backup: { name: 'prod/2026-12-07T00-00-00Z.apimbackup', takenAt: '2026-12-07T00:00:00Z' },
    timings: { startedAt: '2026-12-07T00:10:00Z', endedAt: '2026-12-07T00:41:00Z' },
    retries: 0,
    polls: 3,
  });
  it('a refused run leaves none; a run that ran leaves its outcome, backup and end', () => {
    expect(evidenceOf('r1', result('refused'))).toBeUndefined();
    expect(evidenceOf('r1', result('failed'))).toMatchObject({
      instanceId: 'r1',
      outcome: 'failed',
      endedAt: '2026-12-07T00:41:00Z',
      backup: { name: 'prod/2026-12-07T00-00-00Z.apimbackup' },
    });
  });

  it('the status reads the holder while it runs, else the evidence (through the status digest)', () => {
    const evidence = evidenceOf('run-a', result('succeeded'))!;
    const limits = { runStaleMs: 3 * 3600_000, restoreStaleMs: 4 * 3600_000 };
    const at = '2026-12-07T00:41:00Z';
    const released = withTargetReleased(undefined, 'prod', {
      targetResourceId: TARGET,
      instanceId: 'run-a',
      at,
      evidence,
    });
    const held = withTargetClaimed(released, 'prod', { targetResourceId: TARGET, instanceId: 'run-b', at });
    const read = (d: ServiceDigest | undefined) =>
      serviceFromDigest('prod', d, NOW, limits).target(TARGET.toUpperCase()).lastRestore;
    expect(read(held)).toMatchObject({ runtimeStatus: 'Running' });
    expect(read(released)).toMatchObject({
      runtimeStatus: 'Completed',
      lastUpdatedTime: '2026-12-07T00:41:00Z',
      output: { outcome: 'succeeded', backup: { name: evidence.backup!.name } },
    });
    // A refused run releases without evidence: the evidence of the run that ran stays.
    const refused = withTargetReleased(
      withTargetClaimed(released, 'prod', { targetResourceId: TARGET, instanceId: 'run-c', at }),
      'prod',
      { targetResourceId: TARGET, instanceId: 'run-c', at },
    );
    expect(read(refused)).toMatchObject({ output: { instanceId: 'run-a', outcome: 'succeeded' } });
    expect(
      read(withTargetReleased(undefined, 'prod', { targetResourceId: TARGET, instanceId: 'r', at })),
    ).toBe(undefined);
  });
});
