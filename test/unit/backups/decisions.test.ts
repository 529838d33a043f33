import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApimServiceInfo } from '../../../shared/apim/port';
import { decidePreflight } from '../../../shared/backups/preflight';
import { backoffDelayMs, decideRetry, randomFromGuid } from '../../../shared/steps/retry';
import { retryAfterFromMessage, toActivityError, TransientError } from '../../../shared/errors';
import { decideRpoBreach, rpoMs } from '../../../shared/backups/rpo';
import { scheduleIntervalMs } from '../../../shared/schedule/timer';
import { shapeServiceReport, summarizeCatalog } from '../../../shared/backups/report';
import { backupInstanceId, buildRunInput } from '../../../shared/backups/run';

const HOUR = 3600_000;

function service(overrides: Partial<ApimServiceInfo> = {}): ApimServiceInfo {
  return {
    resourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc',
    name: 'svc',
    location: 'westeurope',
    sku: { name: 'Developer', capacity: 1 },
    provisioningState: 'Succeeded',
    targetProvisioningState: '',
    gatewayUrl: undefined,
    hasWorkspaces: false,
    etag: undefined,
    ...overrides,
  };
}

describe('decidePreflight', () => {
  it.each(['Developer', 'Basic', 'Standard', 'Premium', 'premium'])('accepts %s', (tier) => {
    expect(decidePreflight(service({ sku: { name: tier, capacity: 1 } }))).toEqual({ kind: 'ready' });
  });
  it.each(['Consumption', 'BasicV2', 'StandardV2', 'PremiumV2'])('refuses %s for good', (tier) => {
    const d = decidePreflight(service({ sku: { name: tier, capacity: 1 } }));
    expect(d).toMatchObject({ kind: 'unsupported', code: 'UnsupportedTier' });
  });
  it('refuses workspaces', () => {
    expect(decidePreflight(service({ hasWorkspaces: true }))).toMatchObject({
      kind: 'unsupported',
      code: 'WorkspacesNotSupported',
    });
  });
  it('waits while transitioning', () => {
    expect(decidePreflight(service({ provisioningState: 'Updating' })).kind).toBe('wait');
    expect(decidePreflight(service({ targetProvisioningState: 'Activating' })).kind).toBe('wait');
  });
});

describe('retry with backoff and jitter', () => {
  it('property: the delay lies between half and all of the capped exponential, never under Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 3_600_000 }), { nil: undefined }),
        (attempt, baseMs, random, retryAfterMs) => {
          const maxMs = 1_800_000;
          const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
          const d = backoffDelayMs({ attempt, baseMs, maxMs, random, retryAfterMs });
          expect(d).toBeGreaterThanOrEqual(Math.floor(exp / 2));
          expect(d).toBeLessThanOrEqual(Math.max(exp, retryAfterMs ?? 0));
          expect(d).toBeGreaterThanOrEqual(retryAfterMs ?? 0);
        },
      ),
    );
  });
  it('different random inputs spread the delays', () => {
    const a = backoffDelayMs({ attempt: 2, baseMs: 1000, maxMs: 60_000, random: 0 });
    const b = backoffDelayMs({ attempt: 2, baseMs: 1000, maxMs: 60_000, random: 0.9 });
    expect(a).toBe(2000);
    expect(b).toBeGreaterThan(a);
  });
  it('retries transient and unknown errors within the budget, never non-retryable ones', () => {
    const base = { retriesUsed: 0, budget: 2, baseMs: 1000, maxMs: 10_000, random: 0.5 };
    expect(decideRetry({ ...base, errorClass: 'transient' }).retry).toBe(true);
    expect(decideRetry({ ...base, errorClass: 'unknown' }).retry).toBe(true);
    expect(decideRetry({ ...base, errorClass: 'nonRetryable' }).retry).toBe(false);
    expect(decideRetry({ ...base, retriesUsed: 2, errorClass: 'transient' })).toMatchObject({
      retry: false,
      reason: expect.stringContaining('budget'),
    });
  });
  it('maps GUIDs into [0, 1) and reads Retry-After from messages', () => {
    fc.assert(
      fc.property(fc.uuid(), (g) => {
        const r = randomFromGuid(g);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThan(1);
      }),
    );
    expect(
      retryAfterFromMessage("Activity function 'x' failed: [transient] locked (retryAfterMs=5000)"),
    ).toBe(5000);
    expect(retryAfterFromMessage('no hint')).toBeUndefined();
  });
});

describe('RPO', () => {
  const now = new Date('2026-01-01T01:00:00Z');
  it('derives the interval from the schedule plus an hour', () => {
    expect(scheduleIntervalMs('0 0 */6 * * *', now)).toBe(6 * HOUR);
    expect(scheduleIntervalMs('0 0 1,13 * * *', now)).toBe(12 * HOUR);
    expect(rpoMs({ rpoHours: 0, schedule: '0 0 */6 * * *', timeZone: 'UTC', now })).toBe(7 * HOUR);
    expect(rpoMs({ rpoHours: 2, schedule: '0 0 */6 * * *', timeZone: 'UTC', now })).toBe(2 * HOUR);
  });
  it('breaches when there is no verified backup or it is too old', () => {
    expect(decideRpoBreach({ newestVerifiedAt: undefined, now, rpoMs: HOUR }).breached).toBe(true);
    expect(
      decideRpoBreach({ newestVerifiedAt: new Date(now.getTime() - 2 * HOUR), now, rpoMs: HOUR }),
    ).toEqual({ breached: true, ageMs: 2 * HOUR });
    expect(
      decideRpoBreach({ newestVerifiedAt: new Date(now.getTime() - HOUR / 2), now, rpoMs: HOUR }).breached,
    ).toBe(false);
  });
});

describe('report shaping', () => {
  const now = new Date('2026-01-02T00:00:00Z');
  const old = {
    name: 'svc/svc-20260101T000000Z.apimbackup',
    takenAt: new Date('2026-01-01T00:00:00Z'),
    verified: true,
    sizeBytes: 42,
  };
  const newer = {
    name: 'svc/svc-20260101T060000Z.apimbackup',
    takenAt: new Date('2026-01-01T06:00:00Z'),
    verified: false,
    sizeBytes: 0,
  };

  it('reports the newest verified backup, its age, counts, the failed run without secrets, and an RPO breach', () => {
    const report = shapeServiceReport({
      service: { serviceName: 'svc', resourceId: '/r' },
      catalog: summarizeCatalog([newer, old]),
      lastRun: {
        runtimeStatus: 'Failed',
        output: "Orchestrator function 'backupOrchestration' failed: [transient] boom AccountKey=abc123;",
        createdTime: '2026-01-01T06:00:00Z',
      },
      now,
      rpoMs: 7 * HOUR,
    });
    expect(report.newestVerified).toEqual({
      name: old.name,
      takenAt: '2026-01-01T00:00:00.000Z',
      ageSeconds: 86400,
      sizeBytes: 42,
    });
    expect(report.count).toBe(2);
    expect(report.verifiedCount).toBe(1);
    expect(report.lastRun.outcome).toBe('failed');
    expect(report.lastRun.error?.message).toContain('boom');
    expect(JSON.stringify(report.lastRun.error)).not.toContain('abc123');
    expect(report.rpo.breached).toBe(true);
  });

  it('says never when no run happened', () => {
    const report = shapeServiceReport({
      service: { serviceName: 'svc', resourceId: '/r' },
      catalog: summarizeCatalog([]),
      lastRun: undefined,
      now,
      rpoMs: HOUR,
    });
    expect(report.lastRun.outcome).toBe('never');
    expect(report.newestVerified).toBeNull();
    expect(report.rpo.breached).toBe(true);
  });
});

describe('run input', () => {
  it('carries durations, never secrets, and a per-service singleton id', () => {
    const input = buildRunInput(
      { resourceId: '/r', serviceName: 'Svc' },
      { pollDefaultSeconds: 60, timeoutMinutes: 240, lockedRetryBudget: 8, retryBaseSeconds: 60 },
    );
    expect(input).toEqual({
      resourceId: '/r',
      serviceName: 'Svc',
      pollDefaultMs: 60_000,
      timeoutMs: 14_400_000,
      retryBudget: 8,
      retryBaseMs: 60_000,
      retryMaxMs: 1_800_000,
    });
    expect(backupInstanceId('Svc')).toBe('backup-svc');
  });
});

describe('errors crossing the durable boundary', () => {
  it('carry Retry-After in the message and lose their secrets', () => {
    const err = toActivityError(
      new TransientError('locked, see https://x/?sig=abcdef', { retryAfterMs: 30_000 }),
    );
    expect(err.message).toBe('[transient] locked, see https://x/?sig=*** (retryAfterMs=30000)');
    expect(retryAfterFromMessage(`Activity function 'beginApimBackup' failed: ${err.message}`)).toBe(30_000);
    expect(err.name).toBe('TransientError');
  });
});
