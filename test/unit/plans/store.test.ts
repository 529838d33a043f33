import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanSummary, RunReport, RunState } from '../../../shared/plans/report';
import { initialReport } from '../../../shared/plans/run';
import { mergeSummary } from '../../../shared/plans/store';
import { at, runInput, samplePlan, when } from './helpers';

const PLAN = samplePlan({ approval: 'auto' });

/** A report of run `n` (requested at minute n) in `state`. */
function report(n: number, mode: 'drill' | 'failover', state: RunState = 'running'): RunReport {
  const r = initialReport(
    runInput({ runId: `run-${String(n).padStart(4, '0')}`, mode, plan: PLAN, requestedAt: at(n) }),
    when(n),
  );
  return state === 'running'
    ? r
    : { ...r, state, outcome: state === 'completed' ? 'succeeded' : 'refused', endedAt: at(n + 1) };
}

const merge = (...reports: RunReport[]) =>
  reports.reduce<PlanSummary | undefined>((s, r) => mergeSummary(s, r), undefined);

describe('mergeSummary', () => {
  it('a failback and a failback drill are kept apart from the last failover and drill (issue 23)', () => {
    const back = (n: number, mode: 'drill' | 'failover'): RunReport => {
      const r = initialReport(
        runInput({
          runId: `run-${String(n).padStart(4, '0')}`,
          mode,
          failback: true,
          plan: PLAN,
          requestedAt: at(n),
        }),
        when(n),
      );
      return { ...r, state: 'completed', outcome: 'succeeded', endedAt: at(n + 1) };
    };
    const s = merge(
      report(1, 'drill', 'completed'),
      report(2, 'failover', 'completed'),
      back(3, 'drill'),
      back(4, 'failover'),
    );
    expect(s?.lastDrill?.runId).toBe('run-0001');
    expect(s?.lastFailover?.runId).toBe('run-0002');
    expect(s?.lastFailback).toMatchObject({ runId: 'run-0004', failback: true, mode: 'failover' });
    expect(s?.recent.map((r) => r.failback === true)).toEqual([true, true, false, false]);
  });

  it('a running report is the active run; its final report clears it and becomes the last of its mode', () => {
    const running = merge(report(1, 'drill'));
    expect(running).toMatchObject({ plan: 'dr-all', active: { runId: 'run-0001', state: 'running' } });
    expect(running?.lastDrill).toBeUndefined();
    const done = mergeSummary(running, report(1, 'drill', 'completed'));
    expect(done.active).toBeUndefined();
    expect(done.lastDrill).toMatchObject({ runId: 'run-0001', outcome: 'succeeded' });
    expect(done.lastFailover).toBeUndefined();
    expect(done.recent.map((r) => [r.runId, r.state])).toEqual([['run-0001', 'completed']]);
    expect(done.recent[0]?.reportUri).toBe('/api/runs/run-0001/report.html');
  });

  it('every final state ends a run: completed, cancelled, rejected, expired', () => {
    for (const state of ['completed', 'cancelled', 'rejected', 'expired'] as const) {
      const s = merge(report(1, 'failover', 'pendingApproval'), report(1, 'failover', state));
      expect(s?.active).toBeUndefined();
      expect(s?.lastFailover?.state).toBe(state);
    }
  });

  it('a newer run takes over as active; an older run neither replaces nor clears it', () => {
    const s = merge(report(1, 'drill'), report(2, 'failover'));
    expect(s?.active?.runId).toBe('run-0002');
    // The preempted drill writes on (its cancel, its cleanups) and ends: the failover stays active.
    const later = merge(
      report(1, 'drill'),
      report(2, 'failover'),
      report(1, 'drill'),
      report(1, 'drill', 'cancelled'),
    );
    expect(later?.active?.runId).toBe('run-0002');
    expect(later?.lastDrill?.runId).toBe('run-0001');
  });

  it('an older final report never replaces a newer last drill or failover', () => {
    const s = merge(
      report(5, 'drill', 'completed'),
      report(3, 'drill', 'completed'),
      report(4, 'failover', 'completed'),
    );
    expect(s?.lastDrill?.runId).toBe('run-0005');
    expect(s?.lastFailover?.runId).toBe('run-0004');
    expect(s?.recent.map((r) => r.runId)).toEqual(['run-0005', 'run-0004', 'run-0003']);
  });

  it('keeps one line per run, newest first, at most 50', () => {
    const reports = Array.from({ length: 60 }, (_, i) =>
      report(i, i % 3 ? 'drill' : 'failover', 'completed'),
    );
    const s = merge(report(59, 'drill'), ...reports);
    expect(s?.recent).toHaveLength(50);
    expect(s?.recent[0]).toMatchObject({ runId: 'run-0059', state: 'completed' });
    expect(s?.recent.at(-1)?.runId).toBe('run-0010');
    expect(new Set(s?.recent.map((r) => r.runId)).size).toBe(50);
  });

  it('in any order of writes, once every run ended: nothing active, the newest last of each mode, the newest 50', () => {
    // Each run writes running then final, in its own order; runs interleave arbitrarily.
    const runs = fc.uniqueArray(fc.record({ n: fc.integer({ min: 0, max: 5000 }), drill: fc.boolean() }), {
      minLength: 1,
      maxLength: 70,
      selector: (r) => r.n,
    });
    fc.assert(
      fc.property(
        runs.chain((rs) =>
          fc.tuple(
            fc.constant(rs),
            fc.shuffledSubarray(
              rs.flatMap((r, i) => [2 * i, 2 * i + 1]),
              {
                minLength: rs.length * 2,
              },
            ),
          ),
        ),
        ([rs, order]) => {
          // Per run, its first write (running) before its second (final): sort each run's pair.
          const seen = new Set<number>();
          const writes = order.map((slot) => {
            const i = Math.floor(slot / 2);
            const final = seen.has(i);
            seen.add(i);
            const r = rs[i]!;
            return report(r.n, r.drill ? 'drill' : 'failover', final ? 'completed' : 'running');
          });
          const s = merge(...writes)!;
          expect(s.active).toBeUndefined();
          const newest = (drill: boolean) =>
            rs
              .filter((r) => r.drill === drill)
              .map((r) => r.n)
              .sort((a, b) => b - a)[0];
          const id = (n: number | undefined) =>
            n === undefined ? undefined : `run-${String(n).padStart(4, '0')}`;
          expect(s.lastDrill?.runId).toBe(id(newest(true)));
          expect(s.lastFailover?.runId).toBe(id(newest(false)));
          const top = rs
            .map((r) => r.n)
            .sort((a, b) => b - a)
            .slice(0, 50)
            .map(id);
          expect(s.recent.map((r) => r.runId)).toEqual(top);
          expect(s.recent.every((r) => r.state === 'completed')).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
