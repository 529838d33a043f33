import { describe, expect, it } from 'vitest';
import { readCatalog } from '../../../shared/backups/catalog';
import { shapeServiceReport } from '../../../shared/backups/report';
import type { BackupStore, ListedBackup, StoredCatalogSummary } from '../../../shared/backups/store';

const asOf = new Date('2026-01-01T06:00:00Z');
const now = new Date('2026-01-01T07:00:00Z');
const name = (svc: string, stamp: string) => `${svc}/${svc}-${stamp}.apimbackup`;

function summary(svc: string): StoredCatalogSummary {
  return {
    asOf: asOf.toISOString(),
    count: 2,
    verifiedCount: 2,
    newestVerified: {
      name: name(svc, '20260101T060000Z'),
      takenAt: '2026-01-01T06:00:00.000Z',
      sizeBytes: 5,
    },
  };
}

/** A store over an in-memory set of blobs that counts calls and how many HEADs overlap. */
function fakeStore(blobs: Map<string, ListedBackup>) {
  const calls = { head: 0, list: [] as string[], maxInFlight: 0 };
  let inFlight = 0;
  const unused = () => Promise.reject(new Error('not used'));
  const store: BackupStore = {
    ensureContainer: unused,
    verify: unused,
    deleteBatched: unused,
    deleteOneByOne: unused,
    markRestoreVerified: unused,
    recordConfigChange: unused,
    writeSummary: unused,
    readSummary: (svc) => Promise.resolve(summary(svc)),
    list: (svc) => {
      calls.list.push(svc);
      return Promise.resolve([...blobs.values()].filter((b) => b.name.startsWith(`${svc}/`)));
    },
    async head(blobName) {
      calls.head++;
      inFlight++;
      calls.maxInFlight = Math.max(calls.maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const b = blobs.get(blobName);
      return b === undefined ? undefined : { sizeBytes: b.sizeBytes, verified: b.verified };
    },
  };
  return { store, calls };
}

function blob(svc: string, stamp: string, verified = true): [string, ListedBackup] {
  const n = name(svc, stamp);
  const takenAt = new Date(
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
  );
  return [n, { name: n, takenAt, verified, sizeBytes: 5, metadata: {} }];
}

describe('readCatalog checks the newest verified backup the summary names', () => {
  it('one HEAD per service, in parallel; the summary answers while its newest verified exists', async () => {
    const { store, calls } = fakeStore(
      new Map([blob('a', '20260101T060000Z'), blob('b', '20260101T060000Z'), blob('c', '20260101T060000Z')]),
    );
    const read = await readCatalog(store, ['a', 'b', 'c'], { now });
    expect(calls.head).toBe(3);
    expect(calls.maxInFlight).toBe(3);
    expect(calls.list).toEqual([]);
    expect(read.get('b')).toMatchObject({ source: 'summary', count: 2, asOf });
  });

  it('lists only the service whose newest verified is gone or no longer verified', async () => {
    const { store, calls } = fakeStore(
      new Map([
        blob('a', '20260101T000000Z'),
        blob('b', '20260101T060000Z', false),
        blob('c', '20260101T060000Z'),
      ]),
    );
    const read = await readCatalog(store, ['a', 'b', 'c'], { now });
    expect(calls.list.sort()).toEqual(['a', 'b']);
    expect(read.get('a')).toMatchObject({ source: 'listing', count: 1, asOf: now });
    expect(read.get('a')?.newestVerified?.name).toBe(name('a', '20260101T000000Z'));
    expect(read.get('b')).toMatchObject({ source: 'listing', newestVerified: undefined, verifiedCount: 0 });
    expect(read.get('c')?.source).toBe('summary');
  });

  it('the report says how old the summary is', () => {
    const report = shapeServiceReport({
      service: { serviceName: 'a', resourceId: '/r' },
      catalog: {
        count: 0,
        verifiedCount: 0,
        newestVerified: undefined,
        newest: undefined,
        source: 'summary',
        asOf,
      },
      lastRun: undefined,
      now,
      rpoMs: 3600_000,
    });
    expect(report.catalog).toEqual({ source: 'summary', asOf: asOf.toISOString(), ageSeconds: 3600 });
  });
});
