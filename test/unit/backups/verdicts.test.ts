import { describe, expect, it } from 'vitest';
import {
  backedUp,
  backupLogDetails,
  backupLost,
  backupPolling,
  backupProgress,
  backupResult,
  backupTimeout,
  manifestNotWritten,
  manifestReportOf,
  notSingleton,
  observeBackupPoll,
  preflightRefusal,
  preflightWait,
  type BackupRunView,
} from '../../../shared/backups/verdicts';

const running = { status: 'running' as const, token: 't', retryAfterMs: null };

describe('preflight verdicts', () => {
  it('a transitioning service is waited for, with the reason, and never refused', () => {
    const wait = { kind: 'wait' as const, reason: 'the service is Updating' };
    expect(preflightWait('contoso', wait)).toEqual({
      code: 'ServiceTransitioning',
      message: 'contoso: the service is Updating',
    });
    expect(preflightRefusal('contoso', wait)).toBeUndefined();
  });
  it('an unsupported service is refused with its own code, and not waited for', () => {
    const unsupported = {
      kind: 'unsupported' as const,
      code: 'UnsupportedTier' as const,
      reason: 'the Consumption tier cannot be backed up',
    };
    expect(preflightRefusal('contoso', unsupported)).toEqual({
      code: 'UnsupportedTier',
      message: 'contoso: the Consumption tier cannot be backed up',
    });
    expect(preflightWait('contoso', unsupported)).toBeUndefined();
  });
  it('a ready service is neither waited for nor refused', () => {
    expect(preflightWait('contoso', { kind: 'ready' })).toBeUndefined();
    expect(preflightRefusal('contoso', { kind: 'ready' })).toBeUndefined();
  });
});

describe('the backup poll', () => {
  it('remembers what the last running answer watches, and never stops on its own', () => {
    expect(observeBackupPoll(undefined, { ...running, watching: 'blob' })).toEqual({
      state: 'blob',
      stop: false,
    });
    // An answer that reads the operation again watches nothing any more.
    expect(observeBackupPoll('blob', running)).toEqual({ state: undefined, stop: false });
  });
  it('says what it waits for: the blob when the operation cannot be read (403), else the operation', () => {
    const at = new Date('2026-01-01T00:01:00Z');
    expect(backupPolling(at, 'blob')).toEqual({
      percent: 15,
      nextCheckAt: '2026-01-01T00:01:00.000Z',
      waitingFor: 'the backup blob (the operation cannot be read: 403 on its poll)',
    });
    expect(backupPolling(at, undefined).waitingFor).toBe('the backup operation at API Management');
  });
  it('times out in whole minutes, naming the blob when only the blob was watched', () => {
    expect(backupTimeout('contoso', 90 * 60_000, undefined)).toEqual({
      code: 'BackupTimeout',
      message: 'contoso: backup still running after 90 minutes',
    });
    expect(backupTimeout('contoso', 90 * 60_000, 'blob').message).toBe(
      'contoso: backup blob not written 90 minutes after the accepted POST (the operation cannot be read: 403 on its poll)',
    );
  });
  it('a lost operation is a problem of its own code (the run begins again)', () => {
    expect(backupLost('contoso', 'the operation ended without a backup')).toEqual({
      code: 'BackupOperationLost',
      message: 'contoso: the operation ended without a backup',
    });
  });
});

describe('the backup run shapes', () => {
  const view: BackupRunView = { serviceName: 'contoso', polls: 3 };
  it('a refusal names the singleton id and the route to use', () => {
    expect(notSingleton('backup runs of contoso', 'backup-contoso', '/api/backups')).toEqual({
      code: 'NotSingleton',
      message: 'backup runs of contoso use the instance id backup-contoso: start them with POST /api/backups',
    });
  });
  it('status and result carry the blob only once it is named', () => {
    expect(backupProgress(view, 2, 'preflight')).toEqual({
      phase: 'preflight',
      serviceName: 'contoso',
      retries: 2,
      polls: 3,
    });
    const named = { ...view, blobName: 'contoso/2026.apimbackup' };
    expect(backupProgress(named, 2, 'verifying', { percent: 85 })).toMatchObject({
      blobName: 'contoso/2026.apimbackup',
      percent: 85,
    });
    expect(backupResult(view, 2, { outcome: 'failed' })).not.toHaveProperty('blobName');
    expect(backupResult(named, 2, { outcome: 'failed' })).toEqual({
      serviceName: 'contoso',
      outcome: 'failed',
      blobName: 'contoso/2026.apimbackup',
      retries: 2,
      polls: 3,
    });
    expect(backupLogDetails(view, 2, 1000)).toEqual({
      service: 'contoso',
      serviceName: 'contoso',
      blobName: null,
      retries: 2,
      polls: 3,
      durationMs: 1000,
    });
  });
  it('a verified backup counts what its prune deleted, and keeps the manifest report beside it', () => {
    const prune = { outcome: 'partial' as const, deleted: 2, failedCount: 1, failed: [] };
    const manifest = manifestNotWritten({ code: 'Transient', message: 'storage busy' });
    expect(backedUp(new Date('2026-01-01T00:00:00Z'), 1234, prune, manifest)).toEqual({
      outcome: 'succeeded',
      takenAt: '2026-01-01T00:00:00.000Z',
      sizeBytes: 1234,
      pruned: 2,
      prune,
      manifest: { outcome: 'failed', error: { code: 'Transient', message: 'storage busy' } },
    });
    const counts = { apis: 1, apiRevisions: 1, products: 0, namedValues: 2, secretNamedValues: 1 };
    expect(manifestReportOf({ blobName: 'm.json', counts })).toEqual({
      outcome: 'succeeded',
      blobName: 'm.json',
      counts,
    });
  });
});
