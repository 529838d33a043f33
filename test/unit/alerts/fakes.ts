import type { AlertDecision, RecentAlerts } from '../../../shared/alerts/decision';
import type { AlertDeps, PlanEntry, StartAnswer } from '../../../shared/alerts/handle';
import {
  newestFirst,
  withRecent,
  type AlertStore,
  type DedupeRecord,
  type RunStarter,
} from '../../../shared/alerts/store';
import { withAttached, type AttachedAlerts } from '../../../shared/alerts/attached';
import type { ParsedAlert } from '../../../shared/alerts/parse';
import type { AlertRead, AlertsSource, AzureAlert } from '../../../shared/alerts/source';
import type { AlertReport } from '../../../shared/plans/report';

/** An in-memory AlertStore: claims are atomic (like If-None-Match: *), everything is inspectable. */
export function memoryStore(now: () => Date) {
  const dedupe = new Map<string, DedupeRecord>();
  const decisions = new Map<string, AlertDecision>();
  const starters = new Map<string, RunStarter>();
  const payloads = new Map<string, string>();
  const evidence = new Map<string, unknown>();
  const attachedRecords = new Set<string>();
  const summaries = new Map<string, AttachedAlerts>();
  let recent: RecentAlerts | undefined;
  const tick = () => new Promise<void>((r) => setImmediate(r));
  const store: AlertStore = {
    async claim(record) {
      await tick();
      const existing = dedupe.get(record.key);
      if (existing !== undefined) return structuredClone(existing);
      dedupe.set(record.key, structuredClone(record));
      return undefined;
    },
    async getDedupe(key) {
      await tick();
      const r = dedupe.get(key);
      return r === undefined ? undefined : structuredClone(r);
    },
    async putDedupe(record) {
      await tick();
      dedupe.set(record.key, structuredClone(record));
    },
    async writeEvidence(key, day, value) {
      const name = `alerts/${day}/${key}.json`;
      evidence.set(name, value);
      return Promise.resolve(name);
    },
    async record(d) {
      await tick();
      decisions.set(
        `${d.decidedAt}|${d.alertId}|${d.monitorCondition}|${d.plan}|${d.decision}|${d.reason}`,
        d,
      );
      recent = withRecent(recent, d, now());
    },
    list(since, limit) {
      return Promise.resolve(
        newestFirst([...decisions.values()].filter((d) => d.decidedAt >= since.toISOString())).slice(
          0,
          limit,
        ),
      );
    },
    recent: () => Promise.resolve(recent),
    setRunStarter(s) {
      if (!starters.has(s.runId)) starters.set(s.runId, s);
      return Promise.resolve();
    },
    runStarter: (runId) => Promise.resolve(starters.get(runId)),
    writePayload(text) {
      const blob = `payloads/x/${payloads.size}.json`;
      payloads.set(blob, text);
      return Promise.resolve({ blob, bytes: text.length });
    },
    readPayload: (blob) => Promise.resolve(payloads.get(blob)),
    async attach(runId, alert, countsAsResolved) {
      await tick();
      const record = `${runId}|${alert.alertId.toLowerCase()}|${alert.monitorCondition}`;
      const current = summaries.get(runId);
      if (attachedRecords.has(record) && current !== undefined) return structuredClone(current);
      const next = withAttached(current, runId, alert, countsAsResolved, now());
      summaries.set(runId, next);
      attachedRecords.add(record);
      return structuredClone(next);
    },
    isAttached: (runId, alertId, condition) =>
      Promise.resolve(attachedRecords.has(`${runId}|${alertId.toLowerCase()}|${condition}`)),
    attached: (runId) => Promise.resolve(structuredClone(summaries.get(runId))),
  };
  return {
    store,
    dedupe,
    decisions: () => [...decisions.values()],
    payloads,
    evidence,
    recent: () => recent,
    starters,
  };
}

interface FakeRun {
  runId: string;
  plan: string;
  mode: 'drill' | 'failover';
  state: string;
  alerts: AlertReport[];
  cancelled?: { by: { id: string; name: string }; reason: string };
  preempted?: string;
}

/**
 * The plans side as start.ts will behave (one run per plan at a time; a failover preempts a
 * drill; failovers can be switched off), in memory.
 */
export function fakePlans(
  entries: PlanEntry[],
  options: { failoversEnabled?: boolean; approval?: 'required' | 'auto' } = {},
) {
  const runs: FakeRun[] = [];
  const locks = new Map<string, FakeRun>();
  const tick = () => new Promise<void>((r) => setImmediate(r));
  let n = 0;
  const api: Omit<AlertDeps, 'store' | 'now' | 'source'> = {
    plans: () => Promise.resolve(entries),
    async start(req) {
      await tick();
      if (options.failoversEnabled === false)
        return {
          started: false,
          code: 'FailoversDisabled',
          message: 'failovers are switched off (LIFEBOAT_FAILOVERS_ENABLED=false)',
        };
      const held = locks.get(req.plan);
      let preempted: string | undefined;
      if (held !== undefined) {
        if (held.mode === 'failover')
          return {
            started: false,
            code: 'PlanBusy',
            runId: held.runId,
            mode: 'failover',
            state: held.state,
            message: 'busy',
          };
        held.state = 'cancelled';
        preempted = held.runId;
      }
      const run: FakeRun = {
        runId: `${req.plan}-failover-${++n}`,
        plan: req.plan,
        mode: 'failover',
        state: options.approval === 'auto' ? 'running' : 'pendingApproval',
        alerts: [req.alert],
        ...(preempted === undefined ? {} : { preempted }),
      };
      runs.push(run);
      locks.set(req.plan, run);
      return {
        started: true,
        runId: run.runId,
        ...(preempted === undefined ? {} : { preempted }),
      } satisfies StartAnswer;
    },
    async cancel(runId, by) {
      await tick();
      const run = runs.find((r) => r.runId === runId)!;
      run.state = 'cancelled';
      run.cancelled = by;
      locks.delete(run.plan);
    },
    active(plan) {
      const r = locks.get(plan);
      return Promise.resolve(r === undefined ? undefined : { runId: r.runId, mode: r.mode, state: r.state });
    },
  };
  return {
    api,
    runs,
    /** A drill holding the plan. */
    drill(plan: string) {
      const run: FakeRun = {
        runId: `${plan}-drill-${++n}`,
        plan,
        mode: 'drill',
        state: 'running',
        alerts: [],
      };
      runs.push(run);
      locks.set(plan, run);
      return run;
    },
    /** The failover is approved and running. */
    approve(runId: string) {
      runs.find((r) => r.runId === runId)!.state = 'running';
    },
  };
}

/**
 * Azure Monitor in memory: `fire`/`resolve` set what it holds (as the test's monitor raised the
 * alert), `read` answers as the Alerts Management API would; `unreadable` scripts a 403.
 */
export function fakeMonitor() {
  const alerts = new Map<string, AzureAlert>();
  let unreadable: string | undefined;
  const reads: string[] = [];
  const source: AlertsSource = {
    read(alertId): Promise<AlertRead> {
      reads.push(alertId);
      if (unreadable !== undefined) return Promise.resolve({ kind: 'unreadable', reason: unreadable });
      const a = alerts.get(alertId.toLowerCase());
      return Promise.resolve(a === undefined ? { kind: 'notFound' } : { kind: 'found', alert: { ...a } });
    },
  };
  return {
    source,
    reads,
    /** Holds the alert as the delivery describes it (Azure agrees); a Resolved stays Resolved. */
    observe(alert: ParsedAlert) {
      const held = alerts.get(alert.alertId.toLowerCase());
      if (held?.monitorCondition === 'Resolved' && alert.monitorCondition === 'Fired') return;
      alerts.set(alert.alertId.toLowerCase(), {
        id: alert.alertId,
        monitorCondition: alert.monitorCondition,
        alertRule: alert.rule,
        ...(alert.severity === undefined ? {} : { severity: alert.severity }),
        ...(alert.targetIds[0] === undefined ? {} : { targetResource: alert.targetIds[0].toLowerCase() }),
        ...((held?.startDateTime ?? alert.firedDateTime) === undefined
          ? {}
          : { startDateTime: held?.startDateTime ?? alert.firedDateTime }),
        ...(alert.resolvedDateTime === undefined ? {} : { resolvedDateTime: alert.resolvedDateTime }),
      });
    },
    set(alert: AzureAlert) {
      alerts.set(alert.id.toLowerCase(), alert);
    },
    failReads(reason: string | undefined) {
      unreadable = reason;
    },
  };
}
