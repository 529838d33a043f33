import { describe, expect, it } from 'vitest';
import { applyReportChange, reportChange } from '../../../shared/plans/reportChange';

describe('report writes carrying only the change', () => {
  const before = {
    state: 'running',
    percent: 10,
    groups: [
      {
        name: 'g',
        steps: [
          { id: 'a', state: 'running' },
          { id: 'b', state: 'pending' },
        ],
      },
    ],
    alerts: [1, 2],
    cancel: { at: 'x' },
  };
  const after = {
    state: 'running',
    percent: 50,
    groups: [
      { name: 'g', steps: [{ id: 'a', state: 'succeeded', durationMs: 5 }, before.groups[0]!.steps[1]] },
    ],
    alerts: [1],
  };

  it('sends only the changed leaves, and applying them gives the new report', () => {
    const ops = reportChange(before, after);
    expect(ops).toEqual([
      { path: ['percent'], set: 50 },
      { path: ['groups', 0, 'steps', 0, 'state'], set: 'succeeded' },
      { path: ['groups', 0, 'steps', 0, 'durationMs'], set: 5 },
      { path: ['alerts'], length: 1 },
      { path: ['cancel'], delete: true },
    ]);
    expect(applyReportChange(before, ops)).toEqual(after);
    expect(before.percent).toBe(10); // pure
  });

  it('is idempotent (a write delivered twice) and starts from the whole report', () => {
    const ops = reportChange(before, after);
    expect(applyReportChange(applyReportChange(before, ops), ops)).toEqual(after);
    const first = reportChange(undefined, before);
    expect(first).toEqual([{ path: [], set: before }]);
    expect(applyReportChange(undefined, first)).toEqual(before);
  });

  it('refuses a change that does not fit the stored report, naming the path', () => {
    expect(() => applyReportChange({ groups: [] }, [{ path: ['groups', 3, 'state'], set: 'x' }])).toThrow(
      /no container at \["groups",3,"state"\]/,
    );
    expect(() => applyReportChange(undefined, [{ path: ['x'], set: 1 }])).toThrow(RangeError);
  });
});
