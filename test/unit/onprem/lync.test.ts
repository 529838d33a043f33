import { describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../../shared/contracts';
import { isPairedWith, lyncStatusVerdict, notPaired } from '../../../shared/onprem/lync';

/** Issue 22 items 1 and 3: the pairing, and "done" meaning Steady State after this sync. */

const where = { poolFqdn: 'pool2.contoso.com', module: 'ConfServices.DataConf' };
const reading = (exportStatus: string, importStatus = 'NormalState') =>
  ({ ...where, exportStatus, importStatus, state: 'inProgress' }) as CommandOutput<'lync.backupStatus'>;

describe('lyncStatusVerdict', () => {
  it('does not count a steady reading before a reading since the sync showed it moving', () => {
    const first = lyncStatusVerdict(reading('SteadyState'), where, { moved: false });
    expect(first).toMatchObject({ verdict: 'inProgress', evidence: { moved: false } });
    expect(first.verdict === 'inProgress' && first.waiting).toMatch(/not yet shown to follow the sync/);
    const moving = lyncStatusVerdict(reading('NonSteadyState'), where, first.evidence);
    expect(moving).toMatchObject({ verdict: 'inProgress', evidence: { moved: true } });
    expect(lyncStatusVerdict(reading('SteadyState'), where, moving.evidence)).toMatchObject({
      verdict: 'done',
    });
    // NotInitialized is movement too.
    expect(lyncStatusVerdict(reading('NotInitialized'), where, { moved: false }).evidence.moved).toBe(true);
  });

  it('counts a steady reading taken a full Backup Service cycle after the sync, even unseen moving', () => {
    const at = (sinceSyncMs: number) =>
      lyncStatusVerdict(reading('SteadyState'), where, { moved: false, sinceSyncMs, cycleMs: 120_000 })
        .verdict;
    expect(at(90_000)).toBe('inProgress');
    expect(at(120_000)).toBe('done');
  });

  it('counts only Steady State, unless FinalState is accepted explicitly (with the same evidence)', () => {
    expect(lyncStatusVerdict(reading('FinalState'), where, { moved: true }).verdict).toBe('inProgress');
    expect(
      lyncStatusVerdict(reading('FinalState'), where, { moved: true }, { acceptFinalState: true }).verdict,
    ).toBe('done');
    expect(
      lyncStatusVerdict(reading('FinalState'), where, { moved: false }, { acceptFinalState: true }).verdict,
    ).toBe('inProgress');
  });

  it('fails on ErrorState on either side, with the pool and module named', () => {
    for (const r of [reading('ErrorState'), reading('SteadyState', 'ErrorState')]) {
      const v = lyncStatusVerdict(r, where, { moved: true });
      expect(v).toMatchObject({ verdict: 'failed', error: { code: 'ErrorState' } });
      expect(v.verdict === 'failed' && v.error.message).toContain(
        'ConfServices.DataConf on pool2.contoso.com',
      );
    }
  });
});

describe('pairing', () => {
  it('is the lost pool, in any case; none or another pool is not', () => {
    expect(isPairedWith('POOL1.contoso.com', 'pool1.contoso.com')).toBe(true);
    expect(isPairedWith(null, 'pool1.contoso.com')).toBe(false);
    expect(isPairedWith('pool3.contoso.com', 'pool1.contoso.com')).toBe(false);
  });
  it('names both pools and what the pool is paired with', () => {
    const p = { poolFqdn: 'pool2.contoso.com', lostPoolFqdn: 'pool1.contoso.com' };
    expect(notPaired(p, null).message).toMatch(
      /pool2\.contoso\.com and pool1\.contoso\.com .*paired with no pool/,
    );
    expect(notPaired(p, 'pool3.contoso.com').message).toContain('paired with pool3.contoso.com');
    expect(notPaired(p, null).code).toBe('NotPaired');
  });
});
