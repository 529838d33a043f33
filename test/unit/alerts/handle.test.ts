import { describe, expect, it } from 'vitest';
import {
  handleAlertMessage,
  type AlertDeps,
  type Delivery,
  type PlanEntry,
} from '../../../shared/alerts/handle';
import { parseAlertMessage } from '../../../shared/alerts/parse';
import { triggerSchema } from '../../../shared/plans/plan';
import { eventGridEvent, metricAlert, type AlertOptions } from '../../fixtures/alerts';
import { fakePlans, memoryStore } from './fakes';

const NOW = new Date('2026-01-01T00:01:00Z');
const plan = (name: string, t: Record<string, unknown>, valid = true): PlanEntry => ({
  name,
  valid,
  triggers: [triggerSchema.parse(t)],
  ...(valid ? {} : { problems: ['groups: a plan needs at least one group'] }),
});
const PLANS = [plan('contoso-dr', { alertRules: ['contoso-apim-down'] })];

function world(entries = PLANS, options: Parameters<typeof fakePlans>[1] = {}) {
  const mem = memoryStore(() => NOW);
  const plans = fakePlans(entries, options);
  const deps: AlertDeps = { ...plans.api, store: mem.store, now: () => NOW };
  let m = 0;
  const send = (payload: unknown, delivery: Delivery = { messageId: `m-${++m}`, dequeueCount: 1 }) =>
    handleAlertMessage(deps, parseAlertMessage(JSON.stringify(payload)), delivery);
  return { mem, plans, deps, send };
}
const fired = (o: AlertOptions = {}) => metricAlert(o);
const resolved = (o: AlertOptions = {}) => metricAlert({ ...o, condition: 'Resolved' });

describe('Fired', () => {
  it('starts the matching plan’s failover with the alert attached, and records it', async () => {
    const w = world();
    const [d] = await w.send(fired());
    expect(d).toMatchObject({
      decision: 'started',
      plan: 'contoso-dr',
      runId: 'contoso-dr-failover-1',
      rule: 'contoso-apim-down',
    });
    expect(w.plans.runs[0]!.alerts[0]).toMatchObject({
      monitorCondition: 'Fired',
      firedDateTime: '2026-01-01T00:00:00.0171491Z',
      severity: 'Sev1',
    });
    expect(w.mem.decisions()).toEqual([d]);
    expect(w.mem.recent()!.decisions).toEqual([d]);
  });

  it('an alert matching no plan is recorded as ignored', async () => {
    const w = world();
    expect(await w.send(fired({ rule: 'unknown-rule', targets: [] }))).toMatchObject([
      { decision: 'ignored' },
    ]);
    expect(w.plans.runs).toEqual([]);
  });

  it('100 deliveries of the same alert (concurrently) start exactly one run; 99 duplicates are recorded', async () => {
    const w = world();
    const all = (await Promise.all(Array.from({ length: 100 }, () => w.send(fired())))).flat();
    expect(w.plans.runs).toHaveLength(1);
    expect(all.filter((d) => d.decision === 'started')).toHaveLength(1);
    expect(all.filter((d) => d.decision === 'duplicate')).toHaveLength(99);
    expect(w.plans.runs[0]!.alerts).toHaveLength(1);
  });

  it('100 distinct alerts for one plan start one run with 100 alerts attached', async () => {
    const w = world();
    const all = (
      await Promise.all(Array.from({ length: 100 }, (_, i) => w.send(fired({ alertId: `/alerts/a-${i}` }))))
    ).flat();
    expect(w.plans.runs).toHaveLength(1);
    expect(all.filter((d) => d.decision === 'started')).toHaveLength(1);
    expect(all.filter((d) => d.decision === 'attached')).toHaveLength(99);
    expect(new Set(all.map((d) => d.runId))).toEqual(new Set([w.plans.runs[0]!.runId]));
    expect(w.plans.runs[0]!.alerts).toHaveLength(100);
  });

  it('failovers switched off: refused, recorded, nothing started', async () => {
    const w = world(PLANS, { failoversEnabled: false });
    expect(await w.send(fired())).toMatchObject([
      { decision: 'refused', reason: expect.stringMatching(/^FailoversDisabled/) },
    ]);
    expect(w.plans.runs).toEqual([]);
  });

  it('a running drill is preempted by the start (said in the decision)', async () => {
    const w = world();
    const drill = w.plans.drill('contoso-dr');
    const [d] = await w.send(fired());
    expect(d).toMatchObject({
      decision: 'started',
      reason: expect.stringContaining(`preempted drill ${drill.runId}`),
    });
  });

  it('an invalid plan is refused with its problems', async () => {
    const w = world([plan('contoso-dr', { alertRules: ['contoso-apim-down'] }, false)]);
    expect(await w.send(fired())).toMatchObject([
      { decision: 'refused', reason: expect.stringContaining('plan contoso-dr is invalid') },
    ]);
  });

  it('one alert matching two plans starts both, one decision each', async () => {
    const w = world([...PLANS, plan('apim-only', { alertRules: ['contoso-apim-down'] })]);
    const ds = await w.send(fired());
    expect(ds.map((d) => [d.plan, d.decision])).toEqual([
      ['contoso-dr', 'started'],
      ['apim-only', 'started'],
    ]);
  });

  it('a retry of the same queue message after a failure part-way does not call itself a duplicate', async () => {
    const w = world();
    let fail = true;
    const start = w.deps.start.bind(w.deps);
    w.deps.start = (req) => {
      if (fail) {
        fail = false;
        return Promise.reject(new Error('storage hiccup'));
      }
      return start(req);
    };
    const delivery = { messageId: 'same', dequeueCount: 1 };
    await expect(w.send(fired(), delivery)).rejects.toThrow('storage hiccup');
    expect(await w.send(fired(), { messageId: 'same', dequeueCount: 2 })).toMatchObject([
      { decision: 'started' },
    ]);
    // A retry after everything was decided records the same decisions again (idempotent), no new run.
    expect(await w.send(fired(), { messageId: 'same', dequeueCount: 3 })).toMatchObject([
      { decision: 'started' },
    ]);
    expect(w.plans.runs).toHaveLength(1);
  });
});

describe('Resolved', () => {
  it('cancels a failover still pending approval that this rule started', async () => {
    const w = world();
    await w.send(fired());
    const [d] = await w.send(resolved());
    expect(d).toMatchObject({ decision: 'cancelledPending', runId: 'contoso-dr-failover-1' });
    expect(w.plans.runs[0]!.state).toBe('cancelled');
    expect(w.plans.runs[0]!.cancelled!.by.id).toBe('alert:contoso-apim-down');
    expect(w.plans.runs[0]!.alerts.map((a) => a.monitorCondition)).toEqual(['Fired', 'Resolved']);
  });

  it('never stops a running failover: attached and recorded', async () => {
    const w = world();
    await w.send(fired());
    w.plans.approve('contoso-dr-failover-1');
    const [d] = await w.send(resolved());
    expect(d).toMatchObject({ decision: 'recorded', reason: expect.stringContaining('never stopped') });
    expect(w.plans.runs[0]!.state).toBe('running');
  });

  it('keeps a pending failover when the trigger says cancelPendingOnResolved: false', async () => {
    const w = world([
      plan('contoso-dr', { alertRules: ['contoso-apim-down'], cancelPendingOnResolved: false }),
    ]);
    await w.send(fired());
    expect(await w.send(resolved())).toMatchObject([
      { decision: 'recorded', reason: expect.stringContaining('cancelPendingOnResolved: false') },
    ]);
    expect(w.plans.runs[0]!.state).toBe('pendingApproval');
  });

  it('keeps a pending failover another rule started', async () => {
    const w = world([plan('contoso-dr', { alertRules: ['contoso-apim-down', 'contoso-region-down'] })]);
    await w.send(fired({ rule: 'contoso-region-down', alertId: '/alerts/region' }));
    await w.send(fired({ alertId: '/alerts/apim' }));
    expect(await w.send(resolved({ alertId: '/alerts/apim' }))).toMatchObject([
      { decision: 'recorded', reason: expect.stringContaining('not started by this rule') },
    ]);
    expect(w.plans.runs[0]!.state).toBe('pendingApproval');
  });

  it('Resolved before Fired: recorded only; the late Fired starts nothing', async () => {
    const w = world();
    expect(await w.send(resolved())).toMatchObject([
      { decision: 'recorded', reason: expect.stringMatching(/^Resolved before its Fired/) },
    ]);
    expect(await w.send(fired())).toMatchObject([
      { decision: 'recorded', reason: expect.stringMatching(/^Fired after its Resolved/) },
    ]);
    expect(w.plans.runs).toEqual([]);
  });

  it('a duplicate Resolved is a duplicate', async () => {
    const w = world();
    await w.send(fired());
    await w.send(resolved());
    expect(await w.send(resolved())).toMatchObject([
      { decision: 'duplicate', runId: 'contoso-dr-failover-1' },
    ]);
  });
});

describe('messages', () => {
  it('an Event Grid array: each alert decided, a bad item recorded as rejected', async () => {
    const w = world();
    const ds = await w.send([eventGridEvent(fired()), eventGridEvent({ nope: true }, 'e2')]);
    expect(ds.map((d) => d.decision)).toEqual(['started', 'rejected']);
    expect(ds[1]).toMatchObject({
      alertId: 'message:m-1',
      reason: expect.stringMatching(/^NotAnAlert: \[1\]\.data/),
    });
  });

  it('a message that is not an alert throws a non-retryable error naming the field (the queue wrapper records and completes it)', async () => {
    const w = world();
    await expect(w.send({ hello: 'world' })).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'NotAnAlert',
    });
    await expect(
      handleAlertMessage(w.deps, parseAlertMessage('{"truncated'), { messageId: 'x' }),
    ).rejects.toMatchObject({ name: 'NonRetryableError', code: 'InvalidJson' });
  });

  it('keeps recent.json newest first and at most 50', async () => {
    const w = world();
    let t = NOW.getTime();
    w.deps.now = () => new Date((t += 1000));
    for (let i = 0; i < 60; i++) await w.send(fired({ alertId: `/alerts/r-${i}`, rule: 'unknown' }));
    const recent = w.mem.recent()!.decisions;
    expect(recent).toHaveLength(50);
    expect(recent[0]!.alertId).toBe('/alerts/r-59');
    expect([...recent].sort((a, b) => (a.decidedAt < b.decidedAt ? 1 : -1))).toEqual(recent);
  });
});

describe('attachWhenStarted', () => {
  it('retries while the run is not there yet, then gives up with the error; other errors at once', async () => {
    const { attachWhenStarted } = await import('../../../shared/alerts/deps');
    let calls = 0;
    await attachWhenStarted(
      () => (++calls < 3 ? Promise.reject(new Error('No instance with ID x found')) : Promise.resolve()),
      8,
      1,
    );
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      attachWhenStarted(() => (++calls, Promise.reject(new Error('No instance with ID x found'))), 4, 1),
    ).rejects.toThrow('No instance');
    expect(calls).toBe(4);
    calls = 0;
    await expect(attachWhenStarted(() => (++calls, Promise.reject(new Error('boom'))), 4, 1)).rejects.toThrow(
      'boom',
    );
    expect(calls).toBe(1);
  });
});
