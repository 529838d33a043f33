import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import {
  buildCanaryInput,
  canaryOutcome,
  canaryServiceResult,
  restoreCanaryInputSchema,
  startCanary,
  type CanaryServiceResult,
} from '../../../shared/restore/canary';
import { restoreInstanceId, type RestoreRunResult } from '../../../shared/restore/run';

const base =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service';
const settings = {
  timeoutMinutes: 180,
  pollDefaultSeconds: 60,
  retryBudget: 8,
  retryBaseSeconds: 60,
  smokeCheck: true,
};
const shop = {
  serviceName: 'shop',
  resourceId: `${base}/shop`,
  drillTargets: [
    { serviceName: 'shop-drill', resourceId: `${base}/shop-drill` },
    { serviceName: 'shop-drill-2', resourceId: `${base}/shop-drill-2` },
  ],
  allowRestoreOverPrimary: false,
};
const lonely = {
  serviceName: 'lonely',
  resourceId: `${base}/lonely`,
  drillTargets: [],
  allowRestoreOverPrimary: false,
};

const restoreResult = (over: Partial<RestoreRunResult>): RestoreRunResult => ({
  serviceName: 'shop',
  mode: 'drill',
  outcome: 'succeeded',
  target: { resourceId: `${base}/shop-drill`, role: 'drillTarget' },
  backup: { name: 'shop/shop-20260101T000000Z.apimbackup', takenAt: '2026-01-01T00:00:00.000Z' },
  timings: { startedAt: '2026-01-01T01:00:00.000Z' },
  retries: 0,
  polls: 1,
  ...over,
});

describe('buildCanaryInput', () => {
  it('restores the latest backup into the first drill target in drill mode, under its singleton id; skips services without one', () => {
    const input = buildCanaryInput([shop, lonely], settings);
    expect(restoreCanaryInputSchema.parse(input)).toEqual(input);
    expect(input.restores).toHaveLength(1);
    expect(input.restores[0]).toMatchObject({
      serviceName: 'shop',
      targetName: 'shop-drill',
      instanceId: restoreInstanceId(`${base}/shop-drill`),
      input: { targetResourceId: `${base}/shop-drill`, backup: 'latest', mode: 'drill' },
    });
    expect(input.skipped).toEqual([
      { serviceName: 'lonely', reason: expect.stringContaining('no drill target') },
    ]);
    expect(input.markRetry).toMatchObject({ limit: 8, baseMs: 60_000 });
  });
});

describe('canaryServiceResult and canaryOutcome', () => {
  it('a succeeded restore whose mark failed is partial; a failed restore stays failed', () => {
    const ok = canaryServiceResult('shop', 'shop-drill', 'i', restoreResult({}), {
      recorded: true,
      restoreVerified: true,
    });
    expect(ok.outcome).toBe('succeeded');
    const unmarked = canaryServiceResult('shop', 'shop-drill', 'i', restoreResult({}), {
      recorded: false,
      restoreVerified: false,
      error: { code: 'StorageUnavailable', message: 'down' },
    });
    expect(unmarked).toMatchObject({ outcome: 'partial', error: { code: 'MarkFailed' } });
    const bad = canaryServiceResult(
      'shop',
      'shop-drill',
      'i',
      restoreResult({ outcome: 'failed', error: { code: 'VerificationFailed', message: 'x' } }),
      { recorded: true, restoreVerified: false },
    );
    expect(bad).toMatchObject({ outcome: 'failed', error: { code: 'VerificationFailed' } });
  });

  it('skipped services do not count; none attempted is refused; mixed is partial', () => {
    const skipped: CanaryServiceResult = {
      serviceName: 'lonely',
      outcome: 'refused',
      error: { code: 'NoDrillTarget', message: 'none' },
      skipped: true,
    };
    const ok: CanaryServiceResult = { serviceName: 'a', outcome: 'succeeded' };
    const bad: CanaryServiceResult = {
      serviceName: 'b',
      outcome: 'failed',
      error: { code: 'VerificationFailed', message: 'x' },
    };
    expect(canaryOutcome([ok, skipped])).toEqual({ outcome: 'succeeded' });
    expect(canaryOutcome([skipped])).toMatchObject({ outcome: 'refused', error: { code: 'NoDrillTarget' } });
    expect(canaryOutcome([ok, bad])).toMatchObject({ outcome: 'partial', error: { code: 'CanaryPartial' } });
    expect(canaryOutcome([bad, skipped])).toEqual({ outcome: 'failed', error: bad.error });
  });
});

describe('startCanary', () => {
  const client = (status: string | undefined) => {
    const started: string[] = [];
    return {
      started,
      getStatus: () => Promise.resolve(status === undefined ? undefined : { runtimeStatus: status }),
      startNew: (_name: string, o: { instanceId: string }) => {
        started.push(o.instanceId);
        return Promise.resolve(o.instanceId);
      },
    };
  };
  const input = buildCanaryInput([shop], settings);
  it('starts the singleton restore-canary unless one is running', async () => {
    const idle = client('Completed');
    expect(await startCanary(idle, 'restoreCanary', input)).toEqual({
      started: true,
      instanceId: 'restore-canary',
    });
    expect(idle.started).toEqual(['restore-canary']);
    const busy = client('Running');
    expect(await startCanary(busy, 'restoreCanary', input)).toMatchObject({
      started: false,
      instanceId: 'restore-canary',
      reason: expect.stringContaining('Running'),
    });
    expect(busy.started).toEqual([]);
  });
});

describe('LIFEBOAT_RESTORE_CANARY_SCHEDULE', () => {
  it('defaults to weekly and is validated like the backup schedule', () => {
    expect(loadConfig({}).restore.canarySchedule).toBe('0 0 3 * * 0');
    expect(loadConfig({ LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 30 2 * * 6' }).restore.canarySchedule).toBe(
      '0 30 2 * * 6',
    );
    for (const [bad, rule] of [
      ['0 3 * * 0', /must be a six-field NCRONTAB/],
      ['0 61 * * * *', /must be a valid NCRONTAB/],
    ] as const)
      expect(() => loadConfig({ LIFEBOAT_RESTORE_CANARY_SCHEDULE: bad })).toThrow(
        new RegExp(`LIFEBOAT_RESTORE_CANARY_SCHEDULE: ${rule.source}`),
      );
  });
});
