import { describe, expect, it } from 'vitest';
import { restoreVerdict } from '../../../shared/plans/steps';
import type { RestoreRunResult } from '../../../shared/restore/run';

/**
 * Issues 13 and 22 in the plan report: a failover restore whose target differs from the backup's
 * manifest, or whose backup is older than 7 days, succeeds (the plan goes on) and says so in its
 * summary and evidence.
 */

const STANDBY =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/contoso-apim-standby';

const result: RestoreRunResult = {
  serviceName: 'contoso-apim',
  mode: 'failover',
  outcome: 'succeeded',
  target: { resourceId: STANDBY, role: 'standby' },
  backup: {
    name: 'contoso-apim/contoso-apim-20261120T030000Z.apimbackup',
    takenAt: '2026-11-20T03:00:00.000Z',
  },
  recoveryPointAgeMs: 8 * 86_400_000,
  timings: { startedAt: '2026-11-28T03:00:00.000Z', endedAt: '2026-11-28T03:31:00.000Z' },
  verification: {
    equal: false,
    differenceCount: 1,
    differences: ["API 'orders' is missing from the target"],
  },
  warnings: [
    { code: 'BackupOlderThanGuarantee', message: "backup 'b' is 8 days old: older than the 7 days…" },
    { code: 'VerificationFailed', message: "the restored target differs from the backup's manifest: …" },
  ],
  smokeCheck: { status: 'passed' },
  retries: 0,
  polls: 30,
};

describe('a restore with warnings in the plan report', () => {
  it('succeeds, and its summary and evidence carry the warnings and the differences', () => {
    const v = restoreVerdict(result, 'contoso-apim-standby');
    expect(v.outcome).toBe('succeeded');
    expect(v.error).toBeUndefined();
    expect(v.summary).toContain('configuration differs from the backup (1 difference(s))');
    expect(v.summary).toContain("warning: backup 'b' is 8 days old");
    expect(v.evidence).toMatchObject({
      verification: '1 difference(s)',
      differences: ["API 'orders' is missing from the target"],
      warnings: result.warnings!.map((w) => w.message),
    });
  });

  it('without warnings, the summary and evidence are as before', () => {
    const { warnings: _w, ...plain } = result;
    const v = restoreVerdict(
      { ...plain, verification: { equal: true, differenceCount: 0, differences: [] } },
      'x',
    );
    expect(v.summary).toContain('configuration verified');
    expect(v.summary).not.toContain('warning');
    expect(v.evidence?.['warnings']).toBeUndefined();
  });

  it('a missing manifest reads as not verified', () => {
    const v = restoreVerdict(
      {
        ...result,
        verification: { equal: false, manifestMissing: true, differenceCount: 0, differences: [] },
      },
      'x',
    );
    expect(v.summary).toContain('configuration not verified (no manifest)');
    expect(v.evidence?.['verification']).toBe('not verified: the backup has no manifest');
  });
});
