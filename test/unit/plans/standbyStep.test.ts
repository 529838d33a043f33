import { describe, expect, it } from 'vitest';
import { failoversOwning, restoredServices } from '../../../shared/plans/owners';
import type { PlanEntry } from '../../../shared/plans/load';
import { planSchema, type PlanInput } from '../../../shared/plans/plan';
import { withStandby } from '../../../shared/plans/standbyStep';
import type { StepWork } from '../../../shared/plans/steps';

/** A failover's restore step and the standby (issue 23), and which plans own which standbys. */
const work = {
  kind: 'restore',
  target: 'shop-standby',
  instanceId: 'restore-shop-standby-1',
  input: {} as Extract<StepWork, { kind: 'restore' }>['input'],
} satisfies Extract<StepWork, { kind: 'restore' }>;

describe('withStandby', () => {
  it('a current standby ends the step without a restore, with the evidence and the recovery point', () => {
    const w = withStandby(work, {
      use: 'standby',
      summary: 'standby already current: it holds b1',
      evidence: {
        backup: 'shop/shop-20260302T080000Z.apimbackup',
        backupTakenAt: '2026-03-02T08:00:00.000Z',
        syncedAt: '2026-03-02T09:00:00.000Z',
        syncRun: 'standby-sync',
        restoreRun: 'restore-shop-standby-1-sync-x',
        recoveryPointAgeMinutes: 120,
        rpoMinutes: 1440,
      },
    });
    expect(w).toMatchObject({
      kind: 'standbyCurrent',
      verdict: {
        outcome: 'succeeded',
        summary: 'standby already current: it holds b1',
        evidence: { target: 'shop-standby', standbyAlreadyCurrent: true, rpoMinutes: 1440 },
        // The RPO achieved is the backup the standby holds.
        recoveryPointAt: '2026-03-02T08:00:00.000Z',
      },
    });
  });
  it('otherwise it restores as before, and says why the standby was not used', () => {
    expect(withStandby(work, { use: 'restore', reason: 'never synced' })).toEqual({
      ...work,
      standbyNotUsed: 'never synced',
    });
  });
});

const plan = (name: string, services: string[]): PlanInput => ({
  name,
  description: 'x',
  rtoMinutes: 60,
  rpoMinutes: 60,
  groups: [
    {
      name: 'g',
      steps: services.map((service, i) => ({
        id: `s${i}`,
        kind: 'apim.restore' as const,
        timeoutMinutes: 10,
        params: { service },
      })),
    },
  ],
});
const entry = (p: PlanInput): PlanEntry => ({
  file: `${p.name}.json`,
  name: p.name,
  valid: true,
  plan: planSchema.parse(p),
  problems: [],
  warnings: [],
});

describe('which plans own a standby', () => {
  it('the services a plan restores, once each, case-insensitively', () => {
    expect(restoredServices(planSchema.parse(plan('a', ['Shop', 'shop', 'other'])))).toEqual([
      'shop',
      'other',
    ]);
  });
  it('a failover in progress of a plan restoring the service owns its standby; a drill does not', async () => {
    const entries = [entry(plan('a', ['shop'])), entry(plan('b', ['other'])), entry(plan('c', ['shop']))];
    const locks: Record<string, { runId: string; mode: 'drill' | 'failover'; since: string }> = {
      a: { runId: 'a-1', mode: 'failover', since: '2026-03-02T08:00:00.000Z' },
      b: { runId: 'b-1', mode: 'failover', since: '2026-03-02T08:00:00.000Z' },
      c: { runId: 'c-1', mode: 'drill', since: '2026-03-02T08:00:00.000Z' },
    };
    const read = (p: string) => Promise.resolve(locks[p] === undefined ? undefined : { lock: locks[p] });
    expect(await failoversOwning('SHOP', entries, read)).toEqual(['a-1']);
  });
});
