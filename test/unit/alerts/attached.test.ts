import { describe, expect, it } from 'vitest';
import {
  ATTACHED_LIST_MAX,
  mergeAttached,
  reportWithAttached,
  withAttached,
  type AttachedAlerts,
} from '../../../shared/alerts/attached';
import { initialReport } from '../../../shared/plans/run';
import type { AlertReport } from '../../../shared/plans/report';
import { runInput, when } from '../plans/helpers';

const SUB = '00000000-0000-0000-0000-000000000000';
const alert = (i: number, condition: 'Fired' | 'Resolved' = 'Fired'): AlertReport => ({
  alertId: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`,
  rule: 'contoso-apim-down',
  severity: 'Sev1',
  monitorCondition: condition,
  firedDateTime: '2026-01-01T00:00:00.0171491Z',
  targetIds: [
    `/subscriptions/${SUB}/resourceGroups/rg-apim-weu/providers/Microsoft.ApiManagement/service/contoso-apim`,
  ],
  receivedAt: '2026-01-01T00:00:01.000Z',
});

function attachMany(n: number): AttachedAlerts {
  let s: AttachedAlerts | undefined;
  for (let i = 0; i < n; i++) s = withAttached(s, 'run-1', alert(i), false, when(i));
  return s!;
}

describe('attached alerts', () => {
  it('keeps counts and the first and last N; an alert already listed is not counted twice', () => {
    const s = attachMany(500);
    expect(s).toMatchObject({ total: 500, fired: 500, resolved: 0 });
    expect(s.first).toHaveLength(ATTACHED_LIST_MAX);
    expect(s.last).toHaveLength(ATTACHED_LIST_MAX);
    expect(s.first[0]!.alertId).toBe(alert(0).alertId);
    expect(s.last.at(-1)!.alertId).toBe(alert(499).alertId);
    expect(withAttached(s, 'run-1', alert(499), false, when(600))).toBe(s);
    const r = withAttached(s, 'run-1', alert(499, 'Resolved'), true, when(600));
    expect(r).toMatchObject({ total: 501, fired: 500, resolved: 1 });
  });

  it('a Resolved whose Fired is not attached does not count toward resolved', () => {
    const s = withAttached(attachMany(1), 'run-1', alert(7, 'Resolved'), false, when(1));
    expect(s).toMatchObject({ total: 2, fired: 1, resolved: 0 });
  });

  it('10,000 alerts keep the report under 256 KB, with the counts', () => {
    const s = attachMany(10_000);
    const report = reportWithAttached(
      initialReport(runInput({ mode: 'failover', alert: alert(0) }), when(0)),
      s,
    );
    const bytes = Buffer.byteLength(JSON.stringify(report));
    expect(bytes).toBeLessThan(256 * 1024);
    expect(report.alertCounts).toEqual({
      total: 10_000,
      fired: 10_000,
      resolved: 0,
      listed: 2 * ATTACHED_LIST_MAX,
    });
    expect(report.alerts[0]!.alertId).toBe(alert(0).alertId);
  });

  it('the byte budget holds with the longest ids the intake accepts', () => {
    let s: AttachedAlerts | undefined;
    const long = (i: number): AlertReport => ({
      ...alert(i),
      alertId: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${String(i).padEnd(900, 'x')}`,
      targetIds: Array.from({ length: 20 }, () => `/subscriptions/${SUB}/${'y'.repeat(2000)}`),
    });
    for (let i = 0; i < 300; i++) s = withAttached(s, 'run-1', long(i), false, when(i));
    expect(Buffer.byteLength(JSON.stringify([...s!.first, ...s!.last]))).toBeLessThan(100 * 1024);
    expect(s!.total).toBe(300);
  });
});

describe("mergeAttached (the store spreads a run's summary over shards)", () => {
  const at = (i: number): AlertReport => ({
    ...alert(i),
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  });
  // 300 alerts dealt over 8 shards as the store deals them (any fixed spread will do).
  function sharded(n: number, shards = 8): AttachedAlerts[] {
    const out: (AttachedAlerts | undefined)[] = Array.from({ length: shards }, () => undefined);
    for (let i = 0; i < n; i++)
      out[(i * 7) % shards] = withAttached(out[(i * 7) % shards], 'run-1', at(i), false, when(i));
    return out.filter((x): x is AttachedAlerts => x !== undefined);
  }

  it("adds the counts and lists the run's first and last alerts in the order received", () => {
    const merged = mergeAttached('run-1', sharded(300))!;
    expect(merged).toMatchObject({ total: 300, fired: 300, resolved: 0 });
    expect(merged.first.map((a) => a.receivedAt)).toEqual(
      Array.from({ length: ATTACHED_LIST_MAX }, (_, i) => at(i).receivedAt),
    );
    expect(merged.last.map((a) => a.receivedAt)).toEqual(
      Array.from({ length: ATTACHED_LIST_MAX }, (_, i) => at(300 - ATTACHED_LIST_MAX + i).receivedAt),
    );
  });

  it('is the one summary when there is one shard, and undefined when there is none', () => {
    const [one] = sharded(10, 1);
    expect(mergeAttached('run-1', [one!])).toBe(one);
    expect(mergeAttached('run-1', [])).toBeUndefined();
  });

  it('counts Resolved alerts of every shard', () => {
    const a = withAttached(undefined, 'run-1', at(1), false, when(1));
    const b = withAttached(
      withAttached(undefined, 'run-1', at(2), false, when(2)),
      'run-1',
      { ...at(1), monitorCondition: 'Resolved' },
      true,
      when(3),
    );
    expect(mergeAttached('run-1', [a, b])).toMatchObject({ total: 3, fired: 2, resolved: 1 });
  });
});
