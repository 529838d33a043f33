import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decidePrune, type BackupEntry } from '../../../shared/backups/prune';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-06-01T00:00:00Z');

function entry(daysAgo: number, verified: boolean, i = 0): BackupEntry {
  const takenAt = new Date(now.getTime() - daysAgo * DAY - i * 1000);
  return { name: `svc/svc-${takenAt.getTime()}-${i}.apimbackup`, takenAt, verified, sizeBytes: 10 };
}

const backups = fc
  .array(
    fc.record({
      ageMs: fc.integer({ min: -2 * DAY, max: 90 * DAY }),
      verified: fc.boolean(),
    }),
    { maxLength: 60 },
  )
  .map((xs) =>
    xs.map(({ ageMs, verified }, i): BackupEntry => ({
      name: `svc/svc-${String(i).padStart(3, '0')}.apimbackup`,
      takenAt: new Date(now.getTime() - ageMs),
      verified,
      sizeBytes: 1,
    })),
  );
const policy = fc.record({
  retentionDays: fc.integer({ min: 1, max: 30 }),
  keepNewest: fc.integer({ min: 0, max: 10 }),
});

describe('decidePrune', () => {
  it('deletes expired backups but keeps the newest N verified', () => {
    const list = [
      entry(40, true, 1),
      entry(39, true, 2),
      entry(38, false, 3),
      entry(35, true, 4),
      entry(31, true, 5),
      entry(2, false, 6),
    ];
    const d = decidePrune(list, { now, retentionDays: 7, keepNewest: 3 });
    expect(d.delete.map((e) => e.name).sort()).toEqual([list[0]!.name, list[2]!.name].sort());
    expect(d.keep.filter((k) => k.reason === 'newest-verified').map((k) => k.entry.name)).toEqual([
      list[4]!.name,
      list[3]!.name,
      list[1]!.name,
    ]);
  });

  it('never deletes the newest verified backup, even with keepNewest 0 and 40 days of failures', () => {
    const list = [entry(45, true), ...Array.from({ length: 40 }, (_, i) => entry(40 - i, false, i + 1))];
    const d = decidePrune(list, { now, retentionDays: 7, keepNewest: 0 });
    expect(d.keep.map((k) => k.entry.name)).toContain(list[0]!.name);
  });

  it('property: the newest N verified are kept and nothing younger than the retention is deleted', () => {
    fc.assert(
      fc.property(backups, policy, (list, p) => {
        const d = decidePrune(list, { now, ...p });
        const deleted = new Set(d.delete.map((e) => e.name));
        const verified = list
          .filter((b) => b.verified)
          .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || (a.name < b.name ? 1 : -1));
        for (const b of verified.slice(0, Math.max(1, p.keepNewest))) expect(deleted.has(b.name)).toBe(false);
        for (const b of list) {
          if (now.getTime() - b.takenAt.getTime() <= p.retentionDays * DAY)
            expect(deleted.has(b.name)).toBe(false);
        }
      }),
    );
  });

  it('property: everything expired and unprotected goes; delete and keep partition the input', () => {
    fc.assert(
      fc.property(backups, policy, (list, p) => {
        const d = decidePrune(list, { now, ...p });
        expect(d.delete.length + d.keep.length).toBe(list.length);
        const kept = new Set(d.keep.map((k) => k.entry.name));
        const protectedCount = d.keep.filter((k) => k.reason === 'newest-verified').length;
        expect(protectedCount).toBe(
          Math.min(Math.max(1, p.keepNewest), list.filter((b) => b.verified).length),
        );
        for (const b of list) {
          const expired = now.getTime() - b.takenAt.getTime() > p.retentionDays * DAY;
          if (expired && !b.verified) expect(kept.has(b.name)).toBe(false);
        }
      }),
    );
  });

  it('refuses a retention below one day', () => {
    expect(() => decidePrune([], { now, retentionDays: 0, keepNewest: 3 })).toThrow(RangeError);
  });
});
