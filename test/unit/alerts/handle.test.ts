import { describe, expect, it } from 'vitest';
import {
  handleAlertMessage,
  type AlertDeps,
  type Delivery,
  type PlanEntry,
} from '../../../shared/alerts/handle';
import { parseAlertMessage, type ParsedAlert } from '../../../shared/alerts/parse';
import { triggerSchema } from '../../../shared/plans/plan';
import { eventGridEvent, metricAlert, type AlertOptions } from '../../fixtures/alerts';
import { fakeMonitor, fakePlans, memoryStore } from './fakes';

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
  const monitor = fakeMonitor();
  const deps: AlertDeps = { ...plans.api, store: mem.store, source: monitor.source, now: () => NOW };
  let m = 0;
  /** Delivers the payload without Azure Monitor holding it (a forgery). */
  const forge = (payload: unknown, delivery: Delivery = { messageId: `m-${++m}`, dequeueCount: 1 }) =>
    handleAlertMessage(deps, parseAlertMessage(JSON.stringify(payload)), delivery);
  /** Azure Monitor raises (or resolves) the alert, then it is delivered. */
  const send = (payload: unknown, delivery: Delivery = { messageId: `m-${++m}`, dequeueCount: 1 }) => {
    const parsed = parseAlertMessage(JSON.stringify(payload));
    if (parsed.kind === 'alerts') for (const a of parsed.items) if (a.kind === 'alert') monitor.observe(a);
    return forge(payload, delivery);
  };
  return { mem, plans, deps, monitor, send, forge };
}
const fired = (o: AlertOptions = {}) => metricAlert(o);
/** The one alert of a payload, parsed. */
function one(payload: unknown): ParsedAlert {
  const m = parseAlertMessage(JSON.stringify(payload));
  if (m.kind !== 'alerts' || m.items[0]?.kind !== 'alert') throw new Error('not one alert');
  return m.items[0];
}
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
    expect(await w.mem.store.attached(w.plans.runs[0]!.runId)).toMatchObject({ total: 1, fired: 1 });
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
    const attached = await w.mem.store.attached(w.plans.runs[0]!.runId);
    expect(attached).toMatchObject({ total: 100, fired: 100, resolved: 0 });
    expect(attached!.first.length + attached!.last.length).toBe(100);
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
    const attached = await w.mem.store.attached('contoso-dr-failover-1');
    expect(attached!.first.map((a) => a.monitorCondition)).toEqual(['Fired', 'Resolved']);
    expect(attached).toMatchObject({ fired: 1, resolved: 1 });
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

  it('keeps a pending failover while another attached Fired alert (another rule) is not resolved; the last Resolved cancels', async () => {
    const w = world([plan('contoso-dr', { alertRules: ['contoso-apim-down', 'contoso-region-down'] })]);
    await w.send(fired({ rule: 'contoso-region-down', alertId: '/alerts/region' }));
    await w.send(fired({ alertId: '/alerts/apim' }));
    expect(await w.send(resolved({ alertId: '/alerts/apim' }))).toMatchObject([
      { decision: 'recorded', reason: expect.stringContaining('1 of the 2 Fired alerts') },
    ]);
    expect(w.plans.runs[0]!.state).toBe('pendingApproval');
    expect(await w.send(resolved({ rule: 'contoso-region-down', alertId: '/alerts/region' }))).toMatchObject([
      { decision: 'cancelledPending' },
    ]);
    expect(w.plans.runs[0]!.state).toBe('cancelled');
  });

  it('a Resolved of another alert of the same rule does not cancel (matched by alert id, not rule)', async () => {
    const w = world();
    await w.send(fired({ alertId: '/alerts/one' }));
    // Another alert of the same rule fires for another target and resolves: it is not attached.
    const other = { alertId: '/alerts/two' };
    w.monitor.observe({
      ...one(fired(other)),
    });
    await w.send(fired({ alertId: '/alerts/one-more' }));
    const [d] = await w.send(resolved({ alertId: '/alerts/one-more' }));
    expect(d).toMatchObject({ decision: 'recorded', reason: expect.stringContaining('1 of the 2') });
    // Its Fired was never delivered: recorded only, nothing cancelled.
    expect(await w.send(resolved(other))).toMatchObject([
      { decision: 'recorded', reason: expect.stringMatching(/^Resolved before its Fired/) },
    ]);
    expect(w.plans.runs[0]!.state).toBe('pendingApproval');
  });

  it('keeps a pending failover a person started, whatever resolves', async () => {
    const w = world();
    // The plan's failover is held by a run no alert started (started: no starter record).
    await w.send(fired());
    await w.mem.store.attach(
      'contoso-dr-failover-1',
      {
        alertId: 'x',
        rule: 'r',
        monitorCondition: 'Fired',
        receivedAt: NOW.toISOString(),
      },
      false,
    );
    w.mem.starters.delete('contoso-dr-failover-1');
    expect(await w.send(resolved())).toMatchObject([
      { decision: 'recorded', reason: expect.stringContaining('not started by an alert') },
    ]);
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

describe('Azure Monitor is the truth', () => {
  it('a forged Fired (Azure Monitor holds no such alert) is unverified and starts nothing', async () => {
    const w = world();
    expect(await w.forge(fired())).toMatchObject([
      {
        decision: 'unverified',
        plan: 'contoso-dr',
        reason: expect.stringContaining('Azure Monitor holds no alert with this alertId'),
      },
    ]);
    expect(w.plans.runs).toEqual([]);
    expect(w.monitor.reads).toHaveLength(1);
  });

  it.each([
    [
      'another rule',
      { rule: 'contoso-region-down', alertId: metricAlert().data.essentials.alertId },
      /names rule/,
    ],
    ['another severity', { severity: 'Sev0' }, /says Sev0, Azure Monitor says Sev1/],
    [
      'another target',
      { targets: ['/subscriptions/s/resourceGroups/rg/providers/X/y/other'] },
      /target .* is not/,
    ],
    ['another fired time', { firedDateTime: '2026-01-01T03:00:00Z' }, /fired at/],
  ] as [string, AlertOptions, RegExp][])(
    'a delivery naming %s than Azure Monitor is unverified',
    async (_, forged, reason) => {
      const w = world([plan('contoso-dr', { alertRules: ['contoso-apim-down', 'contoso-region-down'] })]);
      w.monitor.observe(one(fired()));
      const [d] = await w.forge(fired(forged));
      expect(d).toMatchObject({ decision: 'unverified', reason: expect.stringMatching(reason) });
      expect(w.plans.runs).toEqual([]);
    },
  );

  it('a Fired that Azure Monitor says is Resolved starts nothing', async () => {
    const w = world();
    w.monitor.observe(one(resolved()));
    expect(await w.forge(fired())).toMatchObject([
      { decision: 'unverified', reason: expect.stringContaining('Azure Monitor says Resolved') },
    ]);
    expect(w.plans.runs).toEqual([]);
  });

  it('a forged Resolved does not cancel a pending failover', async () => {
    const w = world();
    await w.send(fired());
    expect(await w.forge(resolved())).toMatchObject([
      { decision: 'unverified', reason: expect.stringContaining('says Resolved, Azure Monitor says Fired') },
    ]);
    expect(w.plans.runs[0]!.state).toBe('pendingApproval');
  });

  it('an alert that cannot be read (no permission) is unverified, with the reason', async () => {
    const w = world();
    w.monitor.failReads('Lifeboat may not read the alert (ARM 403): grant its identity Monitoring Reader');
    expect(await w.send(fired())).toMatchObject([
      { decision: 'unverified', reason: expect.stringContaining('Monitoring Reader') },
    ]);
    expect(w.plans.runs).toEqual([]);
  });

  it('acts on Azure Monitor’s values: its fired time is the one attached', async () => {
    const w = world();
    const real = one(fired());
    w.monitor.observe({ ...real, firedDateTime: '2026-01-01T00:00:30Z' });
    expect(await w.forge(fired())).toMatchObject([{ decision: 'started' }]);
    expect(w.plans.runs[0]!.alerts[0]).toMatchObject({ firedDateTime: '2026-01-01T00:00:30Z' });
  });

  it('an alert never approves: the failover an alert starts waits for a person unless the plan says auto', async () => {
    const required = world();
    await required.send(fired());
    expect(required.plans.runs[0]!.state).toBe('pendingApproval');
    const auto = world(PLANS, { approval: 'auto' });
    await auto.send(fired());
    expect(auto.plans.runs[0]!.state).toBe('running');
  });
});
