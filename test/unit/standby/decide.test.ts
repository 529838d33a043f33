import { describe, expect, it } from 'vitest';
import {
  activeService,
  activeSideRefusal,
  decideStandbyUse,
  decideSync,
  standbyFreshness,
  standbyReport,
} from '../../../shared/standby/decide';
import {
  activeSideOf,
  standbyRecordName,
  withActiveSide,
  withSync,
  type StandbyRecord,
  type StandbySync,
} from '../../../shared/standby/record';
import { buildStandbySyncInput, syncOutcome } from '../../../shared/restore/standbySync';
import { restoreInstanceId, isRestoreRunOf } from '../../../shared/restore/run';

const NOW = new Date('2026-03-02T12:00:00Z');
const HOUR = 3_600_000;
const PRIMARY = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/shop';
const STANDBY = '/subscriptions/s/resourceGroups/rg2/providers/Microsoft.ApiManagement/service/shop-standby';
const pair = {
  serviceName: 'shop',
  resourceId: PRIMARY,
  standby: { serviceName: 'shop-standby', resourceId: STANDBY },
};

const sync = (over: Partial<StandbySync> = {}): StandbySync => ({
  instanceId: 'restore-shop-standby-x-sync-1',
  syncRunId: 'standby-sync',
  outcome: 'succeeded',
  verified: true,
  backup: { name: 'shop/shop-20260302T080000Z.apimbackup', takenAt: '2026-03-02T08:00:00.000Z' },
  backupAgeMs: HOUR,
  at: '2026-03-02T09:30:00.000Z',
  ...over,
});
const synced = (s: StandbySync = sync()): StandbyRecord => withSync(undefined, 'shop', s);
const newest = { name: 'shop/shop-20260302T080000Z.apimbackup', takenAt: new Date('2026-03-02T08:00:00Z') };

describe('decideStandbyUse', () => {
  it('uses the standby when its last sync verified the newest backup, within the RPO', () => {
    const d = decideStandbyUse({ record: synced(), newestVerified: newest, rpoMs: 24 * HOUR, now: NOW });
    expect(d).toMatchObject({
      use: 'standby',
      evidence: {
        backup: newest.name,
        syncedAt: '2026-03-02T09:30:00.000Z',
        recoveryPointAgeMinutes: 240,
        rpoMinutes: 1440,
      },
    });
    expect(d.use === 'standby' && d.summary).toContain('standby already current');
  });

  it('restores when never synced, unverified, older than the RPO, a newer backup exists, or a restore holds it', () => {
    const base = { newestVerified: newest, rpoMs: 24 * HOUR, now: NOW };
    const cases: [Parameters<typeof decideStandbyUse>[0], string][] = [
      [{ ...base, record: undefined }, 'never synced'],
      [
        {
          ...base,
          record: synced(
            sync({ verified: false, outcome: 'failed', error: { code: 'VerificationFailed', message: 'x' } }),
          ),
        },
        'VerificationFailed',
      ],
      [{ ...base, record: synced(), rpoMs: 3 * HOUR }, "older than the plan's RPO of 180 min"],
      [
        {
          ...base,
          record: synced(),
          newestVerified: {
            name: 'shop/shop-20260302T100000Z.apimbackup',
            takenAt: new Date('2026-03-02T10:00:00Z'),
          },
        },
        'a newer verified backup exists (shop/shop-20260302T100000Z.apimbackup)',
      ],
      [{ ...base, record: synced(), targetHolder: 'restore-x-1' }, 'restore-x-1'],
    ];
    for (const [input, reason] of cases) {
      const d = decideStandbyUse(input);
      expect(d.use, reason).toBe('restore');
      expect(d.use === 'restore' && d.reason).toContain(reason);
    }
  });

  it('judges the age at the boundary: exactly the RPO is current, a second more is not', () => {
    const at = (ms: number) => new Date(new Date('2026-03-02T08:00:00Z').getTime() + ms);
    expect(
      decideStandbyUse({ record: synced(), newestVerified: newest, rpoMs: HOUR, now: at(HOUR) }).use,
    ).toBe('standby');
    expect(
      decideStandbyUse({ record: synced(), newestVerified: newest, rpoMs: HOUR, now: at(HOUR + 1000) }).use,
    ).toBe('restore');
  });
});

describe('the standby record', () => {
  it('keeps the last verified sync when a later one fails, and never goes back in time', () => {
    const ok = synced();
    const failed = withSync(
      ok,
      'shop',
      sync({ verified: false, outcome: 'failed', at: '2026-03-02T10:00:00.000Z' }),
    );
    expect(failed.lastSync?.verified).toBe(false);
    expect(failed.lastVerifiedSync?.at).toBe('2026-03-02T09:30:00.000Z');
    const late = withSync(failed, 'shop', sync({ at: '2026-03-01T00:00:00.000Z' }));
    expect(late).toEqual(failed);
    expect(decideStandbyUse({ record: failed, newestVerified: newest, rpoMs: 24 * HOUR, now: NOW }).use).toBe(
      'restore',
    );
  });

  it('records the active side with its run; the primary when nothing was recorded', () => {
    expect(activeSideOf(undefined)).toBe('primary');
    const r = withActiveSide(synced(), 'shop', {
      side: 'standby',
      runId: 'r1',
      mode: 'failover',
      since: NOW.toISOString(),
    });
    expect(activeSideOf(r)).toBe('standby');
    expect(r.lastSync).toBeDefined();
    expect(standbyRecordName('Shop')).toBe('_standby/shop.json');
  });
});

describe('decideSync', () => {
  const base = { serviceName: 'shop', hasStandby: true, enabled: true, record: undefined, owningRuns: [] };
  it('syncs a configured standby nobody owns', () => {
    expect(decideSync(base)).toEqual({ sync: true });
  });
  it('never while a failover owns it, after it became active, when off or without a standby', () => {
    const active = withActiveSide(undefined, 'shop', {
      side: 'standby',
      runId: 'r9',
      mode: 'failover',
      since: NOW.toISOString(),
    });
    const cases: [Parameters<typeof decideSync>[0], string][] = [
      [{ ...base, owningRuns: ['dr-1'] }, 'a failover run owns the standby of shop (dr-1)'],
      [{ ...base, record: active }, 'carries production since 2026-03-02T12:00:00.000Z (run r9)'],
      [{ ...base, enabled: false }, 'standbySync: false'],
      [{ ...base, hasStandby: false }, 'no standby'],
    ];
    for (const [input, reason] of cases) {
      const d = decideSync(input);
      expect(d.sync).toBe(false);
      expect(!d.sync && d.reason).toContain(reason);
    }
  });
});

describe('the active side', () => {
  const active = withActiveSide(undefined, 'shop', {
    side: 'standby',
    runId: 'r9',
    mode: 'failover',
    since: NOW.toISOString(),
  });
  it('backups, the RPO and the canary follow it: the standby under its own name', () => {
    expect(activeService(pair, 'primary')).toEqual({
      serviceName: 'shop',
      resourceId: PRIMARY,
      side: 'primary',
    });
    expect(activeService(pair, 'standby')).toEqual({
      serviceName: 'shop-standby',
      resourceId: STANDBY,
      side: 'standby',
    });
    expect(activeService({ serviceName: 'solo', resourceId: PRIMARY }, 'standby').side).toBe('primary');
  });
  it('refuses a restore into the active standby (any spelling) unless the plan says so', () => {
    expect(
      activeSideRefusal({ pair, record: active, targetResourceId: STANDBY.toUpperCase() }),
    ).toMatchObject({
      code: 'ActiveSide',
    });
    expect(
      activeSideRefusal({ pair, record: active, targetResourceId: STANDBY, allowed: true }),
    ).toBeUndefined();
    expect(activeSideRefusal({ pair, record: undefined, targetResourceId: STANDBY })).toBeUndefined();
    expect(activeSideRefusal({ pair, record: active, targetResourceId: PRIMARY })).toBeUndefined();
  });
  it('the standby report says active, current or stale against the RPO', () => {
    expect(standbyFreshness(active, NOW, HOUR)).toEqual({ state: 'active' });
    expect(standbyFreshness(synced(), NOW, 24 * HOUR)).toMatchObject({
      state: 'current',
      recoveryPointAgeMinutes: 240,
    });
    expect(standbyFreshness(synced(), NOW, HOUR)).toMatchObject({ state: 'stale', rpoMinutes: 60 });
    expect(standbyReport({ ...pair, standbySync: false }, undefined, NOW, HOUR)).toMatchObject({
      name: 'shop-standby',
      syncEnabled: false,
      activeSide: 'primary',
      state: 'never',
    });
    expect(standbyReport({ serviceName: 'solo', resourceId: PRIMARY }, undefined, NOW, HOUR).state).toBe(
      'none',
    );
  });
});

describe('buildStandbySyncInput', () => {
  const settings = {
    timeoutMinutes: 180,
    pollDefaultSeconds: 60,
    retryBudget: 8,
    retryBaseSeconds: 60,
    smokeCheck: true,
  };
  it('restores the newest backup into each standby in failover mode, under a run id of the standby', () => {
    const input = buildStandbySyncInput(
      [
        { ...pair, drillTargets: [], allowRestoreOverPrimary: false },
        { ...pair, serviceName: 'off', standbySync: false, drillTargets: [], allowRestoreOverPrimary: false },
        { serviceName: 'solo', resourceId: PRIMARY, drillTargets: [], allowRestoreOverPrimary: false },
      ],
      settings,
      NOW,
      'abc123',
    );
    expect(input.syncs).toHaveLength(1);
    const s = input.syncs[0]!;
    expect(s.input).toMatchObject({ targetResourceId: STANDBY, backup: 'latest', mode: 'failover' });
    expect(isRestoreRunOf(s.instanceId, STANDBY)).toBe(true);
    expect(s.instanceId).not.toBe(restoreInstanceId(STANDBY));
    expect(input.skipped.map((k) => k.serviceName)).toEqual(['off', 'solo']);
  });
  it('the outcome counts attempted services only', () => {
    expect(syncOutcome([{ serviceName: 'a', outcome: 'refused', skipped: true }]).outcome).toBe('refused');
    expect(
      syncOutcome([
        { serviceName: 'a', outcome: 'succeeded' },
        { serviceName: 'b', outcome: 'failed' },
      ]).outcome,
    ).toBe('partial');
    expect(syncOutcome([{ serviceName: 'a', outcome: 'failed' }]).outcome).toBe('failed');
  });
});
