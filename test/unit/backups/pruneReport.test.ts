import { describe, expect, it } from 'vitest';
import { reportPrune } from '../../../shared/backups/prune';
import { shapeServiceReport, summarizeCatalog, summaryBehindLastRun } from '../../../shared/backups/report';
import {
  MAX_NAMED_PRUNE_FAILURES,
  pruneNotDone,
  pruneReportOf,
  pruneRetryBudget,
} from '../../../shared/backups/run';

const leased = (i: number) => ({ name: `svc/svc-2025121${i}T000000Z.apimbackup`, code: 'LeaseIdMissing' });

describe('prune report', () => {
  it('succeeds when everything the retention rule let go was deleted', () => {
    expect(reportPrune({ attempted: 3, deleted: 3, failed: [] })).toEqual({
      outcome: 'succeeded',
      deleted: 3,
      failed: [],
      failedCount: 0,
    });
    expect(reportPrune({ attempted: 0, deleted: 0, failed: [] }).outcome).toBe('succeeded');
  });

  it('is partial when some blobs could not be deleted, naming each with its code', () => {
    const r = reportPrune({ attempted: 3, deleted: 2, failed: [leased(1)] });
    expect(r).toMatchObject({ outcome: 'partial', deleted: 2, failed: [leased(1)], failedCount: 1 });
    expect(r.error).toMatchObject({
      code: 'BackupsNotDeleted',
      message: expect.stringMatching(/LeaseIdMissing/),
    });
  });

  it('fails when none could be deleted, and names at most a bounded number', () => {
    const failed = Array.from({ length: MAX_NAMED_PRUNE_FAILURES + 5 }, (_, i) => leased(i));
    const r = reportPrune({ attempted: failed.length, deleted: 0, failed });
    expect(r.outcome).toBe('failed');
    expect(r.failed).toHaveLength(MAX_NAMED_PRUNE_FAILURES);
    expect(r.failedCount).toBe(MAX_NAMED_PRUNE_FAILURES + 5);
  });

  it('a prune that could not run is failed with its error; the run keeps only the report fields', () => {
    expect(pruneNotDone({ code: 'RetryBudgetSpent', message: 'x' })).toEqual({
      outcome: 'failed',
      deleted: 0,
      failed: [],
      failedCount: 0,
      error: { code: 'RetryBudgetSpent', message: 'x' },
    });
    const full = {
      ...reportPrune({ attempted: 1, deleted: 1, failed: [] }),
      listed: 9,
      kept: 8,
      requests: 2,
    };
    expect(pruneReportOf(full)).toEqual({ outcome: 'succeeded', deleted: 1, failed: [], failedCount: 0 });
  });

  it('has its own small budget, never more than the run allows', () => {
    const input = {
      resourceId: '/r',
      serviceName: 's',
      pollDefaultMs: 1,
      timeoutMs: 1,
      retryBudget: 8,
      retryBaseMs: 60_000,
      retryMaxMs: 1_800_000,
    };
    expect(pruneRetryBudget(input)).toEqual({ limit: 2, baseMs: 60_000, maxMs: 1_800_000, used: 0 });
    expect(pruneRetryBudget({ ...input, retryBudget: 0 }).limit).toBe(0);
  });
});

describe('GET /api/backups shows the prune on its own', () => {
  const now = new Date('2026-01-02T00:00:00Z');
  const shape = (output: unknown) =>
    shapeServiceReport({
      service: { serviceName: 'svc', resourceId: '/r' },
      catalog: summarizeCatalog([]),
      lastRun: { runtimeStatus: 'Completed', output },
      now,
      rpoMs: 6 * 3600_000,
    });

  it('a succeeded run with a partial prune stays succeeded and carries the prune report', () => {
    const prune = reportPrune({ attempted: 2, deleted: 1, failed: [leased(1)] });
    const r = shape({ outcome: 'succeeded', prune });
    expect(r.lastRun.outcome).toBe('succeeded');
    expect(r.lastRun.error).toBeNull();
    expect(r.lastRun.prune).toEqual(prune);
  });

  it('no prune report for a run that did not prune, or an output that is not one', () => {
    expect(
      shape({ outcome: 'failed', error: { code: 'BackupFailed', message: 'm' } }).lastRun.prune,
    ).toBeNull();
    expect(shape({ outcome: 'succeeded' }).lastRun.prune).toBeNull();
    expect(shape({ outcome: 'succeeded', prune: { outcome: 'weird' } }).lastRun.prune).toBeNull();
  });
});

describe('a summary behind the last run', () => {
  const entry = {
    name: 'svc/svc-20260101T000000Z.apimbackup',
    takenAt: new Date('2026-01-01T00:00:00Z'),
    verified: true,
    sizeBytes: 5,
  };
  const summary = { ...summarizeCatalog([entry]), source: 'summary' as const };
  const completed = (output: unknown) => ({ runtimeStatus: 'Completed', output });

  it('is behind when the last run verified a newer backup than the summary names', () => {
    const newer = completed({ outcome: 'succeeded', takenAt: '2026-01-01T06:00:00.000Z' });
    expect(summaryBehindLastRun(summary, newer)).toBe(true);
    expect(summaryBehindLastRun({ ...summarizeCatalog([]), source: 'summary' }, newer)).toBe(true);
  });

  it('is not behind for the same backup, a failed or running run, or a listing', () => {
    expect(
      summaryBehindLastRun(summary, completed({ outcome: 'succeeded', takenAt: '2026-01-01T00:00:00.000Z' })),
    ).toBe(false);
    expect(
      summaryBehindLastRun(summary, completed({ outcome: 'failed', takenAt: '2026-01-02T00:00:00.000Z' })),
    ).toBe(false);
    expect(summaryBehindLastRun(summary, { runtimeStatus: 'Running' })).toBe(false);
    expect(summaryBehindLastRun(summary, undefined)).toBe(false);
    const listing = { ...summary, source: 'listing' as const };
    expect(
      summaryBehindLastRun(listing, completed({ outcome: 'succeeded', takenAt: '2026-01-02T00:00:00.000Z' })),
    ).toBe(false);
  });
});
