import { describe, expect, it } from 'vitest';
import { backupWarnings, selectBackup, type BackupRecord } from '../../../shared/restore/select';
import { verificationVerdict } from '../../../shared/restore/verdicts';

/** Issue 22 (prefer a backup with its manifest) and issue 13 (older than the 7 days once guaranteed). */

const NOW = new Date('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;

const backup = (name: string, ageMs: number, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  name,
  serviceName: 'contoso-apim',
  takenAt: new Date(NOW.getTime() - ageMs),
  verified: true,
  tier: 'Premium',
  hasManifest: true,
  ...extra,
});

const select = (backups: BackupRecord[], named?: string) =>
  selectBackup({ backups, serviceName: 'contoso-apim', targetTier: 'Premium', now: NOW, backup: named });

describe('restore selection: manifests and age', () => {
  it('a backup without a manifest is not chosen while an older one in the window has one', () => {
    const d = select([backup('newest-bare', 1 * HOUR, { hasManifest: false }), backup('older', 5 * HOUR)]);
    expect(d).toMatchObject({ ok: true, backup: { name: 'older' }, ageMs: 5 * HOUR });
    expect(d.ok && d.warnings).toBeFalsy();
  });

  it('a manifest outside the window or of another tier does not count: the bare one is chosen, with a warning', () => {
    const d = select([
      backup('bare', 1 * HOUR, { hasManifest: false }),
      backup('expired', 31 * DAY),
      backup('developer', 2 * HOUR, { tier: 'Developer' }),
    ]);
    expect(d).toMatchObject({ ok: true, backup: { name: 'bare' } });
    expect(d.ok && d.warnings).toEqual([
      {
        code: 'BackupWithoutManifest',
        message:
          "backup 'bare' has no configuration manifest beside it, and no backup of contoso-apim in the window has one: the restore cannot be verified",
      },
    ]);
  });

  it('a named backup without a manifest is restored as asked, with a warning that does not speak of others', () => {
    const d = select([backup('bare', 1 * HOUR, { hasManifest: false }), backup('other', 2 * HOUR)], 'bare');
    expect(d).toMatchObject({ ok: true, backup: { name: 'bare' } });
    expect(d.ok && d.warnings?.map((w) => w.message)).toEqual([
      "backup 'bare' has no configuration manifest beside it: the restore cannot be verified",
    ]);
  });

  it('older than 7 days: a warning, not a refusal; exactly 7 days: none', () => {
    const old = select([backup('old', 8 * DAY)]);
    expect(old).toMatchObject({ ok: true, backup: { name: 'old' }, ageMs: 8 * DAY });
    expect(old.ok && old.warnings).toEqual([
      {
        code: 'BackupOlderThanGuarantee',
        message:
          "backup 'old' is 8 days old: older than the 7 days API Management guaranteed restores for in its original terms (30 today)",
      },
    ]);
    const edge = select([backup('edge', 7 * DAY)]);
    expect(edge.ok && edge.warnings).toBeFalsy();
  });

  it('a backup taken while the configuration changed says so', () => {
    expect(backupWarnings(backup('b', HOUR, { configChanges: 2 }), HOUR, 'contoso-apim')).toEqual([
      {
        code: 'ConfigChangedDuringBackup',
        message:
          "the configuration of contoso-apim changed while backup 'b' ran (2 difference(s)): the change may be missing from it",
      },
    ]);
  });

  it('an unknown manifest state (not looked up) neither warns nor loses preference', () => {
    const d = select([backup('a', HOUR, { hasManifest: undefined }), backup('b', 2 * HOUR)]);
    expect(d).toMatchObject({ ok: true, backup: { name: 'a' } });
    expect(d.ok && d.warnings).toBeFalsy();
  });
});

describe('a restored target that differs from the manifest', () => {
  const differs = {
    equal: false,
    differences: ["API 'orders' is missing from the target"],
    differenceCount: 1,
  };
  it('fails a drill', () => {
    expect(verificationVerdict('drill', differs)).toEqual({
      failure: {
        code: 'VerificationFailed',
        message:
          "the restored target differs from the backup's manifest: API 'orders' is missing from the target",
      },
    });
  });
  it('is a warning in a failover (the plan goes on)', () => {
    const v = verificationVerdict('failover', differs);
    expect(v.failure).toBeUndefined();
    expect(v.warning?.code).toBe('VerificationFailed');
    expect(v.warning?.message).toContain("API 'orders' is missing from the target");
  });
  it('a missing manifest is ManifestMissing: fails a drill, a warning in a failover', () => {
    const missing = { equal: false, manifestMissing: true as const, differences: [], differenceCount: 0 };
    expect(verificationVerdict('drill', missing).failure?.code).toBe('ManifestMissing');
    expect(verificationVerdict('failover', missing).warning?.code).toBe('ManifestMissing');
  });
  it('equal: nothing to say in either mode', () => {
    const equal = { equal: true, differences: [], differenceCount: 0 };
    expect(verificationVerdict('drill', equal)).toEqual({});
    expect(verificationVerdict('failover', equal)).toEqual({});
  });
});
