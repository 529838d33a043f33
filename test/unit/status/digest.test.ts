import { describe, expect, it } from 'vitest';
import {
  serviceDigestSchema,
  withCatalog,
  withRestoreMark,
  withRunEnded,
  withRunStarted,
  withTargetClaimed,
  type ServiceDigest,
} from '../../../shared/digest/service';
import { serviceOfTarget } from '../../../shared/digest/store';
import { loadConfig } from '../../../shared/config';
import { digestLimits, serviceFromDigest } from '../../../shared/status/digest';
import { serviceStatus } from '../../../shared/status/model';
import type { ServiceInput } from '../../../shared/status/inputs';

/** The status digest (issue 21, item 13): how writers fold facts in, and when the page stops trusting it. */

const NOW = new Date('2026-12-07T12:00:00Z');
const HOUR = 3600_000;
const at = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();
const limits = digestLimits(120, 120); // 2 h timeouts: 5 h before a "running" record is not trusted
const STANDBY =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/prod-standby';

function input(digest: ServiceDigest | undefined): ServiceInput {
  const d = serviceFromDigest('prod', digest, NOW, limits);
  const t = d.target(STANDBY);
  return {
    serviceName: 'prod',
    resourceId: 'prod-id',
    rpoMs: 7 * HOUR,
    catalog: d.catalog,
    lastRun: d.lastRun,
    ...(d.unknown === undefined ? {} : { unknown: d.unknown }),
    restoreCanary: { enabled: false, maxAgeDays: 30 },
    targets: [
      {
        role: 'standby',
        name: 'prod-standby',
        resourceId: STANDBY,
        lastRestore: t.lastRestore,
        ...(t.unknown === undefined ? {} : { unknown: t.unknown }),
      },
    ],
  };
}

const run = { instanceId: 'backup-prod', startedAt: at(HOUR), endedAt: at(HOUR - 60_000) };
const verified = { name: 'prod/prod-20261207T110000Z.apimbackup', takenAt: at(HOUR), sizeBytes: 10 };
const ended = withRunEnded(
  withRunStarted(undefined, 'prod', { instanceId: run.instanceId, at: run.startedAt }),
  'prod',
  {
    ...run,
    outcome: 'succeeded',
    verified,
  },
)!;

describe('writers fold their facts into the digest', () => {
  it('a run starts and ends; the record parses as stored', () => {
    expect(ended.lastRun).toMatchObject({ state: 'ended', outcome: 'succeeded', verified });
    expect(serviceDigestSchema.parse(JSON.parse(JSON.stringify(ended)))).toEqual(ended);
  });

  it('a late or repeated fact never rolls the record back', () => {
    // The start delivered again after the run ended, and the ending of an older run.
    expect(withRunStarted(ended, 'prod', { instanceId: run.instanceId, at: run.startedAt })).toBeUndefined();
    expect(
      withRunEnded(ended, 'prod', {
        ...run,
        startedAt: at(7 * HOUR),
        endedAt: at(6 * HOUR),
        outcome: 'failed',
      }),
    ).toBeUndefined();
    const listed = { asOf: at(HOUR), count: 3, verifiedCount: 3, newestVerified: verified };
    const withList = withCatalog(ended, 'prod', listed)!;
    expect(withCatalog(withList, 'prod', { ...listed, asOf: at(2 * HOUR), count: 9 })).toBeUndefined();
  });

  it('a restore mark newer than the listing survives the listing written after it', () => {
    const mark = {
      blobName: verified.name,
      takenAt: verified.takenAt,
      at: at(30 * 60_000),
      target: 'drill',
      outcome: 'succeeded' as const,
    };
    const marked = withRestoreMark(ended, 'prod', mark)!;
    const listedBefore = withCatalog(marked, 'prod', {
      asOf: at(40 * 60_000),
      count: 3,
      verifiedCount: 3,
      newestVerified: verified,
      lastRestoreVerification: null,
      newestRestoreVerified: null,
    })!;
    expect(listedBefore.catalog?.lastRestoreVerification).toMatchObject({
      target: 'drill',
      outcome: 'succeeded',
    });
    expect(listedBefore.catalog?.newestRestoreVerified).toMatchObject({ name: verified.name });
  });

  it('finds the service of a standby or drill target, whatever the case', () => {
    const config = loadConfig({
      LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
        { resourceId: STANDBY.replace('prod-standby', 'prod'), standbyResourceId: STANDBY },
      ]),
    });
    expect(serviceOfTarget(config, STANDBY.toUpperCase())).toBe('prod');
    expect(serviceOfTarget(config, STANDBY.replace('standby', 'other'))).toBeUndefined();
  });
});

describe('what the page makes of the digest', () => {
  it('a fresh record reads as the facts it holds', () => {
    const s = serviceStatus(input(ended), NOW);
    expect(s.lastRun).toMatchObject({ colour: 'green', outcome: 'succeeded' });
    expect(s.backup).toMatchObject({ colour: 'green', newestVerified: { name: verified.name } });
  });

  it('no record: unknown, never green and never "nothing to restore"', () => {
    const s = serviceStatus(input(undefined), NOW);
    expect(s.backup.colour).toBe('unknown');
    expect(s.lastRun.colour).toBe('unknown');
    expect(s.backup.reason).toMatch(/no status digest of prod is recorded yet/);
    expect(s.colour).not.toBe('green');
  });

  it('a run recorded as running for longer than any run lasts: unknown, and the backup not green', () => {
    // The run before it verified a backup 6.5 h ago (green against the 7 h RPO); then a run
    // started 6 h ago and its ending was never recorded.
    const before = withRunEnded(undefined, 'prod', {
      ...run,
      startedAt: at(6.5 * HOUR),
      endedAt: at(6.5 * HOUR),
      outcome: 'succeeded',
      verified: { ...verified, takenAt: at(6.5 * HOUR) },
    });
    expect(serviceStatus(input(before), NOW).backup.colour).toBe('green');
    const stuck = withRunStarted(before, 'prod', { instanceId: 'backup-prod', at: at(6 * HOUR) })!;
    const s = serviceStatus(input(stuck), NOW);
    expect(s.lastRun.colour).toBe('unknown');
    expect(s.lastRun.reason).toMatch(/recorded as running for 6 h.*its ending was not recorded/);
    expect(s.backup.colour).not.toBe('green');
    // Within the limit the same record is a run in progress.
    const running = withRunStarted(ended, 'prod', { instanceId: 'backup-prod', at: at(10 * 60_000) })!;
    expect(serviceStatus(input(running), NOW).lastRun).toMatchObject({ colour: 'green', outcome: 'running' });
  });

  it('a red fact stays red when the record is stale: stale never hides a problem', () => {
    const old = withRunEnded(undefined, 'prod', {
      ...run,
      startedAt: at(30 * HOUR),
      endedAt: at(30 * HOUR),
      outcome: 'succeeded',
      verified: { ...verified, takenAt: at(30 * HOUR) },
    });
    const stuck = withRunStarted(old, 'prod', { instanceId: 'backup-prod', at: at(6 * HOUR) });
    const s = serviceStatus(input(stuck), NOW);
    expect(s.lastRun.colour).toBe('unknown');
    expect(s.backup.colour).toBe('red');
  });

  it('a restore recorded as holding its target too long: that target is unknown', () => {
    const held = withTargetClaimed(ended, 'prod', {
      targetResourceId: STANDBY,
      instanceId: 'r1',
      at: at(6 * HOUR),
    });
    const t = serviceStatus(input(held), NOW).targets[0]!;
    expect(t.colour).toBe('unknown');
    expect(t.reason).toMatch(/r1 has been recorded as holding it for 6 h/);
    const fresh = withTargetClaimed(ended, 'prod', {
      targetResourceId: STANDBY,
      instanceId: 'r1',
      at: at(HOUR),
    });
    expect(serviceStatus(input(fresh), NOW).targets[0]).toMatchObject({ colour: 'green' });
  });
});
