import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESTORE_WINDOW,
  formatAge,
  selectBackup,
  type BackupRecord,
} from '../../../shared/restore/select';

const NOW = new Date('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;

const backup = (name: string, ageMs: number, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  name,
  serviceName: 'contoso-apim',
  takenAt: new Date(NOW.getTime() - ageMs),
  verified: true,
  tier: 'Premium',
  ...extra,
});

const select = (backups: BackupRecord[], extra: { backup?: string; targetTier?: string } = {}) =>
  selectBackup({
    backups,
    serviceName: 'contoso-apim',
    targetTier: extra.targetTier ?? 'Premium',
    now: NOW,
    backup: extra.backup,
  });

describe('backup selection', () => {
  it('picks the newest verified backup of the service inside the window with the target tier', () => {
    const d = select([
      backup('old', 3 * DAY),
      backup('newest-unverified', 1 * HOUR, { verified: false }),
      backup('other-service', 2 * HOUR, { serviceName: 'fabrikam-apim' }),
      backup('newest-developer', 3 * HOUR, { tier: 'Developer' }),
      backup('good', 5 * HOUR),
    ]);
    expect(d).toEqual({
      ok: true,
      backup: expect.objectContaining({ name: 'good' }) as unknown,
      ageMs: 5 * HOUR,
    });
  });

  it('refusals say why, in words an operator reads', () => {
    expect(select([])).toEqual({
      ok: false,
      code: 'NoVerifiedBackup',
      message: 'there is no verified backup of contoso-apim',
    });
    expect(select([backup('a', 1 * HOUR, { verified: false })])).toMatchObject({ code: 'NoVerifiedBackup' });
    const expired = select([backup('a', 31 * DAY + 2 * HOUR), backup('b', 40 * DAY)]);
    expect(expired).toMatchObject({ ok: false, code: 'BackupExpired' });
    if (!expired.ok)
      expect(expired.message).toMatch(
        /^newest verified backup is 31 days old \(the restore window is 30 days less a 12-hour safety margin\)$/,
      );
    expect(select([backup('a', 2 * DAY, { tier: 'Developer' })])).toEqual({
      ok: false,
      code: 'TierMismatch',
      message: 'backups are Developer, target is Premium',
    });
    expect(select([backup('a', 2 * DAY, { tier: undefined })], { targetTier: 'Developer' })).toMatchObject({
      code: 'TierMismatch',
      message: 'backups are of an unrecorded tier, target is Developer',
    });
  });

  it('the safety margin is inside the 30 days: 29.6 days is too old by default, fine with no margin', () => {
    const b = [backup('edge', 29.6 * DAY)];
    expect(select(b)).toMatchObject({ ok: false, code: 'BackupExpired' });
    expect(
      selectBackup({
        backups: b,
        serviceName: 'contoso-apim',
        targetTier: 'Premium',
        now: NOW,
        window: { days: 30, safetyMarginHours: 0 },
      }),
    ).toMatchObject({ ok: true });
  });

  it('tier and service names compare case-insensitively', () => {
    expect(select([backup('a', HOUR, { tier: 'premium', serviceName: 'Contoso-APIM' })])).toMatchObject({
      ok: true,
    });
  });

  it('a named backup passes the same checks', () => {
    const list = [
      backup('ok', DAY),
      backup('stale', 31 * DAY),
      backup('dev', DAY, { tier: 'Developer' }),
      backup('unverified', DAY, { verified: false }),
      backup('theirs', DAY, { serviceName: 'fabrikam-apim' }),
    ];
    expect(select(list, { backup: 'ok' })).toMatchObject({ ok: true, backup: { name: 'ok' } });
    expect(select(list, { backup: 'latest' })).toMatchObject({ ok: true, backup: { name: 'ok' } });
    expect(select(list, { backup: 'stale' })).toEqual({
      ok: false,
      code: 'BackupExpired',
      message: "backup 'stale' is 31 days old (the restore window is 30 days less a 12-hour safety margin)",
    });
    expect(select(list, { backup: 'dev' })).toEqual({
      ok: false,
      code: 'TierMismatch',
      message: "backup 'dev' is Developer, target is Premium",
    });
    expect(select(list, { backup: 'unverified' })).toMatchObject({ code: 'BackupNotVerified' });
    expect(select(list, { backup: 'theirs' })).toMatchObject({ code: 'BackupOfAnotherService' });
    expect(select(list, { backup: 'nope' })).toEqual({
      ok: false,
      code: 'BackupNotFound',
      message: "backup 'nope' was not found",
    });
  });

  it('refuses a window whose margin swallows it', () => {
    expect(() =>
      selectBackup({
        backups: [],
        serviceName: 's',
        targetTier: 'Premium',
        now: NOW,
        window: { days: 1, safetyMarginHours: 24 },
      }),
    ).toThrow(RangeError);
  });

  it('formats ages in whole units', () => {
    expect([
      formatAge(31 * DAY + 23 * HOUR),
      formatAge(DAY),
      formatAge(5 * HOUR + 59 * 60_000),
      formatAge(-5),
    ]).toEqual(['31 days', '1 day', '5 hours', '0 hours']);
  });

  it('property: the choice is eligible and no newer eligible backup exists; a refusal means none is eligible', () => {
    const maxAge = DEFAULT_RESTORE_WINDOW.days * DAY - DEFAULT_RESTORE_WINDOW.safetyMarginHours * HOUR;
    const record = fc.record({
      ageMs: fc.integer({ min: -HOUR, max: 45 * DAY }),
      verified: fc.boolean(),
      tier: fc.constantFrom('Premium', 'Developer', 'premium', undefined),
      serviceName: fc.constantFrom('contoso-apim', 'fabrikam-apim'),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (records) => {
        const backups = records.map((r, i) => backup(`b${String(i).padStart(2, '0')}`, r.ageMs, r));
        const eligible = backups.filter(
          (b) =>
            b.verified &&
            b.serviceName === 'contoso-apim' &&
            Math.max(0, NOW.getTime() - b.takenAt.getTime()) <= maxAge &&
            b.tier?.toLowerCase() === 'premium',
        );
        const d = select(backups);
        if (eligible.length === 0) {
          expect(d.ok).toBe(false);
          return;
        }
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expect(eligible).toContain(d.backup);
        expect(eligible.every((b) => b.takenAt.getTime() <= d.backup.takenAt.getTime())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
