import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pruneService, readCatalog } from '../../../shared/backups/catalog';
import { decidePrune, type BackupEntry } from '../../../shared/backups/prune';
import { shapeServiceReport, summarizeCatalog } from '../../../shared/backups/report';
import {
  countsAsRestoreVerified,
  decideRestoreVerification,
  markReplaces,
  parseRestoreMark,
  restoreMarkMetadata,
  type RestoreMark,
} from '../../../shared/backups/restoreMark';
import type { BackupStore, ListedBackup, StoredCatalogSummary } from '../../../shared/backups/store';
import { OUTCOMES } from '../../../shared/outcome';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-06-01T00:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('restore marks on blob metadata', () => {
  it('round-trip through metadata, keys matched case-insensitively, and only succeeded counts', () => {
    const mark: RestoreMark = { at: ago(DAY), target: 'apim-drill', outcome: 'succeeded' };
    const md = restoreMarkMetadata(mark);
    expect(md).toEqual({
      restoreverifiedat: ago(DAY).toISOString(),
      restoretarget: 'apim-drill',
      restoreoutcome: 'succeeded',
    });
    expect(parseRestoreMark({ verified: 'true', ...md })).toEqual(mark);
    expect(
      parseRestoreMark({
        RestoreVerifiedAt: md['restoreverifiedat']!,
        RESTORETARGET: 'x',
        restoreOutcome: 'failed',
      }),
    ).toEqual({ at: ago(DAY), target: 'x', outcome: 'failed' });
    expect(countsAsRestoreVerified(mark)).toBe(true);
    for (const outcome of OUTCOMES.filter((o) => o !== 'succeeded'))
      expect(countsAsRestoreVerified({ ...mark, outcome })).toBe(false);
    expect(countsAsRestoreVerified(undefined)).toBe(false);
  });

  it('a missing, incomplete or malformed mark is no mark', () => {
    const md = restoreMarkMetadata({ at: now, target: 't', outcome: 'succeeded' });
    expect(parseRestoreMark({ verified: 'true' })).toBeUndefined();
    expect(parseRestoreMark({ ...md, restoreoutcome: 'ok' })).toBeUndefined();
    expect(parseRestoreMark({ ...md, restoreverifiedat: 'yesterday' })).toBeUndefined();
    expect(parseRestoreMark({ ...md, restoretarget: '' })).toBeUndefined();
    const { restoretarget: _dropped, ...noTarget } = md;
    expect(parseRestoreMark(noTarget)).toBeUndefined();
  });

  it('a mark never replaces a later one (duplicate or late delivery), an equal or later one does', () => {
    const earlier: RestoreMark = { at: ago(2 * DAY), target: 't', outcome: 'failed' };
    const later: RestoreMark = { at: ago(DAY), target: 't', outcome: 'succeeded' };
    expect(markReplaces(undefined, earlier)).toBe(true);
    expect(markReplaces(earlier, later)).toBe(true);
    expect(markReplaces(later, earlier)).toBe(false);
    expect(markReplaces(later, later)).toBe(true);
  });
});

describe('decideRestoreVerification', () => {
  it('is off without drill targets, stale past the age or with no restore-verified backup', () => {
    const base = { now, maxAgeDays: 14 };
    expect(
      decideRestoreVerification({ ...base, enabled: false, newestRestoreVerifiedTakenAt: undefined }),
    ).toEqual({
      enabled: false,
    });
    expect(
      decideRestoreVerification({ ...base, enabled: true, newestRestoreVerifiedTakenAt: undefined }),
    ).toEqual({
      enabled: true,
      stale: true,
      maxAgeDays: 14,
    });
    expect(
      decideRestoreVerification({ ...base, enabled: true, newestRestoreVerifiedTakenAt: ago(14 * DAY) }),
    ).toMatchObject({ stale: false });
    expect(
      decideRestoreVerification({ ...base, enabled: true, newestRestoreVerifiedTakenAt: ago(14 * DAY + 1) }),
    ).toMatchObject({ stale: true });
  });
});

const marks = fc.option(
  fc.record({
    at: fc.integer({ min: -DAY, max: 60 * DAY }).map((ms) => ago(ms)),
    target: fc.constantFrom('drill-a', 'drill-b'),
    outcome: fc.constantFrom(...OUTCOMES),
  }),
  { nil: undefined },
);
const backups = fc
  .array(
    fc.record({
      ageMs: fc.integer({ min: -2 * DAY, max: 90 * DAY }),
      verified: fc.boolean(),
      restore: marks,
    }),
    { maxLength: 60 },
  )
  .map((xs) =>
    xs.map(({ ageMs, verified, restore }, i): BackupEntry => ({
      name: `svc/svc-${String(i).padStart(3, '0')}.apimbackup`,
      takenAt: ago(ageMs),
      verified,
      sizeBytes: 1,
      ...(restore === undefined ? {} : { restore }),
    })),
  );

describe('decidePrune with restore-verified backups', () => {
  it('always keeps the newest restore-verified backup, whatever the ages, counts and other marks', () => {
    fc.assert(
      fc.property(
        backups,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 10 }),
        (list, retentionDays, keepNewest) => {
          const d = decidePrune(list, { now, retentionDays, keepNewest });
          const newest = summarizeCatalog(list).newestRestoreVerified;
          const deleted = new Set(d.delete.map((b) => b.name));
          if (newest !== undefined) expect(deleted.has(newest.name)).toBe(false);
          // Nothing else changes: without marks the same backups are deleted, except the one kept.
          const plain = decidePrune(
            list.map(({ restore: _r, ...e }) => e),
            { now, retentionDays, keepNewest },
          );
          expect(d.delete.map((b) => b.name)).toEqual(
            plain.delete.map((b) => b.name).filter((n) => n !== newest?.name),
          );
          // Every backup is either deleted or kept, once.
          expect(d.delete.length + d.keep.length).toBe(list.length);
        },
      ),
    );
  });

  it('keeps the old restore-verified backup among expired ones, but not an older one or a failed attempt', () => {
    const e = (days: number, restore?: RestoreMark): BackupEntry => ({
      name: `svc/svc-${String(100 - days).padStart(3, '0')}.apimbackup`,
      takenAt: ago(days * DAY),
      verified: true,
      sizeBytes: 1,
      ...(restore === undefined ? {} : { restore }),
    });
    const ok = (days: number): RestoreMark => ({ at: ago(days * DAY), target: 'd', outcome: 'succeeded' });
    const list = [
      e(40, ok(39)),
      e(30, ok(29)),
      e(25, { at: ago(DAY), target: 'd', outcome: 'failed' }),
      e(20),
      e(1),
    ];
    const d = decidePrune(list, { now, retentionDays: 7, keepNewest: 1 });
    expect(d.keep.map((k) => [k.entry.takenAt.getTime(), k.reason])).toEqual([
      [ago(DAY).getTime(), 'newest-verified'],
      [ago(30 * DAY).getTime(), 'newest-restore-verified'],
    ]);
    expect(d.delete.map((b) => b.takenAt.getTime())).toEqual([20, 25, 40].map((n) => ago(n * DAY).getTime()));
  });
});

describe('report shaping', () => {
  const entries: BackupEntry[] = [
    {
      name: 'svc/a.apimbackup',
      takenAt: ago(20 * DAY),
      verified: true,
      sizeBytes: 1,
      restore: { at: ago(19 * DAY), target: 'd1', outcome: 'succeeded' },
    },
    {
      name: 'svc/b.apimbackup',
      takenAt: ago(3 * DAY),
      verified: true,
      sizeBytes: 1,
      restore: { at: ago(2 * DAY), target: 'd2', outcome: 'failed' },
    },
    { name: 'svc/c.apimbackup', takenAt: ago(DAY), verified: true, sizeBytes: 1 },
  ];
  const shape = (restoreCanary: { enabled: boolean; maxAgeDays: number }, list = entries) =>
    shapeServiceReport({
      service: { serviceName: 'svc', resourceId: '/x' },
      catalog: summarizeCatalog(list),
      lastRun: undefined,
      now,
      rpoMs: DAY,
      restoreCanary,
    });

  it('shows the latest attempt (even a failed one) and flags the old newest restore-verified backup', () => {
    const r = shape({ enabled: true, maxAgeDays: 14 });
    expect(r.lastRestoreVerification).toEqual({
      blobName: 'svc/b.apimbackup',
      at: ago(2 * DAY).toISOString(),
      target: 'd2',
      outcome: 'failed',
    });
    expect(r.restoreVerification).toEqual({ enabled: true, stale: true, maxAgeDays: 14 });
    expect(shape({ enabled: true, maxAgeDays: 30 }).restoreVerification).toEqual({
      enabled: true,
      stale: false,
      maxAgeDays: 30,
    });
  });

  it('a service without drill targets is not flagged; no marks → null', () => {
    const r = shape({ enabled: false, maxAgeDays: 14 }, [entries[2]!]);
    expect(r.restoreVerification).toEqual({ enabled: false });
    expect(r.lastRestoreVerification).toBeNull();
  });
});

describe('the catalog summary carries the marks', () => {
  it('a prune writes them and a report read from the summary shows them', async () => {
    const blobs: ListedBackup[] = [
      {
        name: 'svc/svc-20260401T000000Z.apimbackup',
        takenAt: new Date('2026-04-01T00:00:00Z'),
        verified: true,
        sizeBytes: 3,
        restore: { at: new Date('2026-04-02T00:00:00Z'), target: 'drill', outcome: 'succeeded' },
        metadata: {},
      },
      {
        name: 'svc/svc-20260410T000000Z.apimbackup',
        takenAt: new Date('2026-04-10T00:00:00Z'),
        verified: false,
        sizeBytes: 3,
        metadata: {},
      },
      {
        name: 'svc/svc-20260531T000000Z.apimbackup',
        takenAt: new Date('2026-05-31T00:00:00Z'),
        verified: true,
        sizeBytes: 3,
        metadata: {},
      },
    ];
    let stored: StoredCatalogSummary | undefined;
    const deletedNames: string[] = [];
    const unused = () => Promise.reject(new Error('not used'));
    const store: BackupStore = {
      ensureContainer: unused,
      verify: unused,
      deleteOneByOne: unused,
      markRestoreVerified: unused,
      recordConfigChange: unused,
      list: () => Promise.resolve(blobs.filter((b) => !deletedNames.includes(b.name))),
      deleteBatched: (names) => {
        deletedNames.push(...names);
        return Promise.resolve({ deleted: names.length, alreadyGone: 0, requests: 1 });
      },
      writeSummary: (_svc, s) => {
        stored = JSON.parse(JSON.stringify(s)) as StoredCatalogSummary;
        return Promise.resolve();
      },
      readSummary: () => Promise.resolve(stored),
      head: (name) => Promise.resolve(blobs.find((b) => b.name === name)),
    };
    const outcome = await pruneService(store, 'svc', { now, retentionDays: 7, keepNewest: 1 });
    expect(outcome).toMatchObject({ outcome: 'succeeded', deleted: 1, kept: 2 });
    expect(deletedNames).toEqual(['svc/svc-20260410T000000Z.apimbackup']);
    const read = (await readCatalog(store, ['svc'], { now })).get('svc')!;
    expect(read.source).toBe('summary');
    expect(read.newestRestoreVerified).toMatchObject({
      name: 'svc/svc-20260401T000000Z.apimbackup',
      takenAt: new Date('2026-04-01T00:00:00Z'),
    });
    expect(read.lastRestoreVerification).toEqual({
      blobName: 'svc/svc-20260401T000000Z.apimbackup',
      at: '2026-04-02T00:00:00.000Z',
      target: 'drill',
      outcome: 'succeeded',
    });
  });
});
