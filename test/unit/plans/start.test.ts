import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import type { RunReport } from '../../../shared/plans/report';
import type { PlanRecords, PlanRequest, StartTicket, StepDecision } from '../../../shared/plans/decisions';
import { initialReport, type PlanRunStart, type PlanSignal } from '../../../shared/plans/run';
import {
  callerIdentity,
  checkApproval,
  newRunId,
  startPlanRun,
  type PlanClient,
  type PlanEntryLike,
  type StartRequest,
} from '../../../shared/plans/start';
import { mergeSummary, type PlanLock, type PlanStore } from '../../../shared/plans/store';
import type { PlanSummary } from '../../../shared/plans/report';
import { at, runInput, samplePlan, when } from './helpers';

describe('newRunId', () => {
  it('is plan-mode-compact UTC time-random, lower case, the random part cleaned and capped', () => {
    expect(newRunId('dr-all', 'drill', new Date('2026-11-29T09:05:07.123Z'), 'AbC_12-xyz9876')).toBe(
      'dr-all-drill-20261129T090507Z-abc12xyz',
    );
    expect(newRunId('dr-all', 'failover', new Date('2026-11-29T09:05:07Z'), 'q')).toBe(
      'dr-all-failover-20261129T090507Z-q',
    );
  });

  it('sorts by time within a plan and mode', () => {
    const ids = [3, 1, 2].map((m) => newRunId('p', 'drill', when(m * 61), 'r'));
    expect([...ids].sort()).toEqual([1, 2, 3].map((m) => newRunId('p', 'drill', when(m * 61), 'r')));
  });
});

const ALICE = { objectId: '11111111-1111-4111-8111-111111111111', name: 'alice@contoso.com' };
const BOB = { objectId: '22222222-2222-4222-8222-222222222222', name: 'bob@contoso.com' };

describe('callerIdentity', () => {
  it('records the signed-in caller: object id to compare, name to show', () => {
    expect(callerIdentity(ALICE)).toEqual({
      requestedBy: 'alice@contoso.com',
      requestedById: ALICE.objectId,
    });
    expect(callerIdentity({ objectId: ALICE.objectId, name: '  ' })).toEqual({
      requestedBy: ALICE.objectId,
      requestedById: ALICE.objectId,
    });
    expect(callerIdentity({ ...ALICE, name: 'x'.repeat(300) }).requestedBy).toHaveLength(256);
  });
});

describe('checkApproval', () => {
  const pending = (requestedById: string | null = ALICE.objectId) =>
    initialReport(
      runInput({
        mode: 'failover',
        requestedBy: 'alice@contoso.com',
        ...(requestedById === null ? {} : { requestedById }),
      }),
      when(0),
    );

  it('only a failover waiting for approval can be decided', () => {
    const drill = initialReport(runInput(), when(0));
    expect(checkApproval(drill, BOB, 'approve', false)).toMatchObject({
      ok: false,
      status: 409,
      code: 'NotAFailover',
    });
    const running: RunReport = { ...pending(), state: 'running' };
    expect(checkApproval(running, BOB, 'approve', false)).toMatchObject({
      ok: false,
      status: 409,
      code: 'NotPendingApproval',
    });
  });

  it('compares object ids, never names: a look-alike name is someone else, a renamed requester is not', () => {
    // "aliсe" with a Cyrillic с, or alice's exact name, on another account: another person.
    expect(
      checkApproval(pending(), { objectId: BOB.objectId, name: 'aliсe@contoso.com' }, 'approve', false),
    ).toEqual({
      ok: true,
    });
    expect(
      checkApproval(pending(), { objectId: BOB.objectId, name: 'alice@contoso.com' }, 'approve', false),
    ).toEqual({
      ok: true,
    });
    // Alice under any display name, her object id in any case: still the requester.
    expect(
      checkApproval(
        pending(),
        { objectId: ALICE.objectId.toUpperCase(), name: 'A. Liddell' },
        'approve',
        false,
      ),
    ).toMatchObject({ ok: false, status: 403, code: 'SelfApproval' });
  });

  it('refuses self-approval (403) unless allowed; the requester may reject', () => {
    expect(checkApproval(pending(), ALICE, 'approve', false)).toMatchObject({
      ok: false,
      status: 403,
      code: 'SelfApproval',
    });
    expect(checkApproval(pending(), ALICE, 'approve', true)).toEqual({ ok: true });
    expect(checkApproval(pending(), ALICE, 'reject', false)).toEqual({ ok: true });
    expect(checkApproval(pending(), BOB, 'approve', false)).toEqual({ ok: true });
  });

  it('a run that does not record its requester cannot be approved by anyone (409)', () => {
    expect(checkApproval(pending(null), BOB, 'approve', false)).toMatchObject({
      ok: false,
      status: 409,
      code: 'RequesterUnknown',
    });
  });

  it('an alert-started failover records its rule as requester: any approver may approve it', () => {
    expect(checkApproval(pending('alert:apim-down'), BOB, 'approve', false)).toEqual({ ok: true });
  });
});

// ------------------------------------------------------------------------------------------------
// startPlanRun against a fake durable client and an in-memory store with real conditional writes

/** An in-memory {@link PlanStore}: locks with etags (if-none-match / if-match), one await per call. */
function memoryStore(): PlanStore & {
  locks: Map<string, { lock: PlanLock; etag: string }>;
  reports: Map<string, RunReport>;
} {
  const locks = new Map<string, { lock: PlanLock; etag: string }>();
  const reports = new Map<string, RunReport>();
  const summaries = new Map<string, PlanSummary>();
  let version = 0;
  // Every call yields first, so concurrent callers interleave as they would against storage.
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    locks,
    reports,
    async readLock(plan) {
      await turn();
      const held = locks.get(plan);
      return held === undefined ? undefined : { lock: { ...held.lock }, etag: held.etag };
    },
    async takeLock(plan, lock, etag) {
      await turn();
      const held = locks.get(plan);
      if (etag === undefined ? held !== undefined : held?.etag !== etag) return false;
      locks.set(plan, { lock: { ...lock }, etag: `"${++version}"` });
      return true;
    },
    async releaseLock(plan, runId) {
      await turn();
      if (locks.get(plan)?.lock.runId === runId) locks.delete(plan);
    },
    async writeReport(report) {
      await turn();
      reports.set(report.runId, report);
      summaries.set(report.plan.name, mergeSummary(summaries.get(report.plan.name), report));
      return { sha256: '0'.repeat(64) };
    },
    async readReport(runId) {
      await turn();
      return reports.get(runId);
    },
    async readReportHtml() {
      await turn();
      return undefined;
    },
    async readReportText(runId) {
      await turn();
      const r = reports.get(runId);
      return r === undefined ? undefined : JSON.stringify(r);
    },
    async readSummary(plan) {
      await turn();
      return summaries.get(plan);
    },
  };
}

/** A durable client: instances it started are Running; `statuses` overrides; unknown ones answer 404. */
function fakeClient(statuses: Record<string, string> = {}) {
  const started: { name: string; instanceId: string; input: PlanRunStart }[] = [];
  const events: { instanceId: string; eventName: string; data: PlanSignal }[] = [];
  const client: PlanClient = {
    async getStatus(instanceId) {
      await Promise.resolve();
      const status =
        statuses[instanceId] ?? (started.some((s) => s.instanceId === instanceId) ? 'Running' : undefined);
      if (status === undefined)
        throw new Error(`Request failed with status code 404: No instance ${instanceId}`);
      return { runtimeStatus: status };
    },
    async startNew(name, options) {
      await Promise.resolve();
      started.push({ name, instanceId: options.instanceId, input: options.input as PlanRunStart });
      return options.instanceId;
    },
    async raiseEvent(instanceId, eventName, data) {
      await Promise.resolve();
      events.push({ instanceId, eventName, data: data as PlanSignal });
    },
  };
  return { client, started, events };
}

const PLAN = samplePlan();
const entries: PlanEntryLike[] = [
  { name: 'dr-all', valid: true, plan: PLAN, sha256: 'b'.repeat(64), problems: [] },
  {
    name: 'auto',
    valid: true,
    plan: samplePlan({ name: 'auto', approval: 'auto' }),
    sha256: 'c'.repeat(64),
    problems: [],
  },
  {
    name: 'broken',
    valid: false,
    problems: ['groups[0].steps[0].kind: must be one of ...', 'rtoMinutes: required'],
  },
];

/** In-memory {@link PlanRecords}: create-only, like the blob store. */
function memoryRecords(): PlanRecords & { tickets: Map<string, StartTicket>; requests: PlanRequest[] } {
  const tickets = new Map<string, StartTicket>();
  const claims = new Map<string, string>();
  const requests: PlanRequest[] = [];
  const stepDecisions: StepDecision[] = [];
  return {
    tickets,
    requests,
    async writeTicket(ticket) {
      await Promise.resolve();
      if (tickets.has(ticket.runId)) throw new Error('exists');
      tickets.set(ticket.runId, ticket);
    },
    async readTicket(runId) {
      await Promise.resolve();
      return tickets.get(runId);
    },
    async claimTicket(runId, claim) {
      await Promise.resolve();
      if (!claims.has(runId)) claims.set(runId, claim);
      return claims.get(runId) ?? claim;
    },
    async writeRequest(request) {
      await Promise.resolve();
      requests.push(request);
    },
    async listRequests(runId) {
      await Promise.resolve();
      return requests.filter((q) => q.runId === runId).sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async writeStepDecision(decision) {
      await Promise.resolve();
      stepDecisions.push(decision);
    },
    async listStepDecisions(runId, stepId) {
      await Promise.resolve();
      return stepDecisions.filter((d) => d.runId === runId && d.stepId === stepId);
    },
  };
}
const recordsOf = new WeakMap<PlanStore, ReturnType<typeof memoryRecords>>();
const records = (store: PlanStore) => {
  let r = recordsOf.get(store);
  if (r === undefined) recordsOf.set(store, (r = memoryRecords()));
  return r;
};

let counter = 0;
function deps(store: PlanStore, env: Record<string, string> = {}, now = when(0)) {
  return {
    config: loadConfig(env),
    store,
    records: records(store),
    entries,
    now,
    randomId: () => `r${++counter}`,
    orchestrationName: 'planRun',
  };
}
const drillOf = (plan = 'dr-all'): StartRequest => ({ plan, mode: 'drill', requestedBy: 'alice' });
const failoverOf = (plan = 'dr-all'): StartRequest => ({
  plan,
  mode: 'failover',
  reason: 'primary region down',
  requestedBy: 'bob',
});

describe('startPlanRun', () => {
  it('starts a drill: lock taken, report written first, a start ticket recorded, run started with the plan by name', async () => {
    const store = memoryStore();
    const { client, started } = fakeClient();
    const decision = await startPlanRun(client, drillOf(), deps(store));
    expect(decision).toMatchObject({ started: true, state: 'running' });
    if (!decision.started) throw new Error('not started');
    expect(decision.runId).toMatch(/^dr-all-drill-20261129T090000Z-r\d+$/);
    expect(store.locks.get('dr-all')?.lock).toEqual({ runId: decision.runId, mode: 'drill', since: at(0) });
    expect(store.reports.get(decision.runId)?.state).toBe('running');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      name: 'planRun',
      instanceId: decision.runId,
      input: {
        mode: 'drill',
        plan: 'dr-all',
        planSha256: 'b'.repeat(64),
        requestedBy: 'alice',
        approvalTimeoutMs: 30 * 60_000,
      },
    });
    // The run trusts its start only because this ticket holds exactly its input.
    expect(records(store).tickets.get(decision.runId)).toEqual({
      runId: decision.runId,
      input: started[0]?.input,
      writtenAt: at(0),
    });
  });

  it('refuses failovers when they are switched off; drills still run', async () => {
    const store = memoryStore();
    const { client, started } = fakeClient();
    const off = { LIFEBOAT_FAILOVERS_ENABLED: 'false' };
    expect(await startPlanRun(client, failoverOf(), deps(store, off))).toMatchObject({
      started: false,
      code: 'FailoversDisabled',
    });
    expect(started).toHaveLength(0);
    expect(store.locks.size).toBe(0);
    expect((await startPlanRun(client, drillOf(), deps(store, off))).started).toBe(true);
  });

  it('a failback (issue 23): refused NotFailedOver by the active-side check, off with the failovers switch, else started as one', async () => {
    const store = memoryStore();
    const { client, started } = fakeClient();
    const failbackOf: StartRequest = { ...failoverOf(), failback: true };
    const notFailedOver = () =>
      Promise.resolve({ code: 'NotFailedOver', message: 'contoso-apim is not failed over' });
    const failedOver = () => Promise.resolve(undefined);
    expect(
      await startPlanRun(client, failbackOf, { ...deps(store), failbackCheck: notFailedOver }),
    ).toMatchObject({ started: false, code: 'NotFailedOver', message: 'contoso-apim is not failed over' });
    // Without a check to ask, no failback starts.
    expect(await startPlanRun(client, failbackOf, deps(store))).toMatchObject({ code: 'NotFailedOver' });
    const off = { LIFEBOAT_FAILOVERS_ENABLED: 'false' };
    const disabled = await startPlanRun(client, failbackOf, {
      ...deps(store, off),
      failbackCheck: failedOver,
    });
    expect(disabled).toMatchObject({ started: false, code: 'FailoversDisabled' });
    expect(disabled.started === false && disabled.message).toContain('failbacks are switched off');
    expect(started).toHaveLength(0);
    expect(store.locks.size).toBe(0);

    const decision = await startPlanRun(client, failbackOf, { ...deps(store), failbackCheck: failedOver });
    expect(decision).toMatchObject({ started: true, state: 'pendingApproval' });
    if (!decision.started) throw new Error('not started');
    expect(decision.runId).toMatch(/^dr-all-failback-20261129T090000Z-r\d+$/);
    expect(started[0]).toMatchObject({ input: { mode: 'failover', failback: true } });
    expect(store.reports.get(decision.runId)).toMatchObject({ mode: 'failover', failback: true });
  });

  it('refuses an unknown plan and an invalid one, with its problems', async () => {
    const store = memoryStore();
    const { client, started } = fakeClient();
    expect(await startPlanRun(client, drillOf('nope'), deps(store))).toMatchObject({
      started: false,
      code: 'PlanNotFound',
      message: "no plan named 'nope'",
    });
    const broken = await startPlanRun(client, drillOf('broken'), deps(store));
    expect(broken).toMatchObject({
      started: false,
      code: 'PlanInvalid',
      problems: ['groups[0].steps[0].kind: must be one of ...', 'rtoMinutes: required'],
    });
    expect(broken.started ? '' : broken.message).toContain('groups[0].steps[0].kind');
    expect(started).toHaveLength(0);
    expect(store.locks.size).toBe(0);
  });

  it('a plan with a live run is busy (409 naming the holder and its state)', async () => {
    const store = memoryStore();
    const { client } = fakeClient();
    const first = await startPlanRun(client, failoverOf(), deps(store));
    if (!first.started) throw new Error('not started');
    for (const request of [drillOf(), failoverOf()])
      expect(await startPlanRun(client, request, deps(store, {}, when(5)))).toMatchObject({
        started: false,
        code: 'PlanBusy',
        runId: first.runId,
        mode: 'failover',
        state: 'pendingApproval',
      });
    expect(store.locks.get('dr-all')?.lock.runId).toBe(first.runId);
  });

  it('a lock whose run is being started (no instance yet, within the grace) still counts as busy', async () => {
    const store = memoryStore();
    store.locks.set('dr-all', { lock: { runId: 'ghost', mode: 'drill', since: at(0) }, etag: '"x"' });
    const { client } = fakeClient();
    expect(
      await startPlanRun(client, drillOf(), deps(store, {}, new Date(Date.parse(at(0)) + 30_000))),
    ).toMatchObject({
      started: false,
      code: 'PlanBusy',
      runId: 'ghost',
      state: 'Starting',
    });
  });

  it('takes over a stale lock: its run ended, or never appeared', async () => {
    for (const [status, since] of [
      ['Completed', at(-1)],
      ['Failed', at(-1)],
      [undefined, at(-2)],
    ] as const) {
      const store = memoryStore();
      store.locks.set('dr-all', { lock: { runId: 'old', mode: 'failover', since }, etag: '"x"' });
      const { client, events } = fakeClient(status === undefined ? {} : { old: status });
      const decision = await startPlanRun(client, drillOf(), deps(store));
      expect(decision.started).toBe(true);
      if (!decision.started) continue;
      expect(decision.preempted).toBeUndefined();
      expect(store.locks.get('dr-all')?.lock.runId).toBe(decision.runId);
      expect(events).toEqual([]);
    }
  });

  it('a failover preempts a live drill: takes the lock, waits for it, and cancels it', async () => {
    const store = memoryStore();
    const { client, started, events } = fakeClient();
    const drill = await startPlanRun(client, drillOf('auto'), deps(store));
    if (!drill.started) throw new Error('drill not started');
    const failover = await startPlanRun(client, failoverOf('auto'), deps(store, {}, when(3)));
    expect(failover).toMatchObject({ started: true, state: 'waitingForDrill', preempted: drill.runId });
    if (!failover.started) throw new Error('failover not started');
    expect(store.locks.get('auto')?.lock).toMatchObject({ runId: failover.runId, mode: 'failover' });
    expect(started.at(-1)?.input).toMatchObject({ preempted: drill.runId, preemptWaitMs: 15 * 60_000 });
    // The cancel is a record; the event only names it.
    const cancel = records(store).requests.find((q) => q.runId === drill.runId);
    expect(cancel).toMatchObject({
      kind: 'cancel',
      at: at(3),
      reason: `preempted by failover ${failover.runId}`,
      preemptedBy: failover.runId,
      by: { id: 'bob', name: 'bob' },
    });
    expect(events).toEqual([
      { instanceId: drill.runId, eventName: 'signal', data: { type: 'request', id: cancel?.id } },
    ]);
    // A failover that needs approval preempts too, and waits for approval first.
    const store2 = memoryStore();
    const c2 = fakeClient();
    await startPlanRun(c2.client, drillOf(), deps(store2));
    expect(await startPlanRun(c2.client, failoverOf(), deps(store2, {}, when(3)))).toMatchObject({
      started: true,
      state: 'pendingApproval',
    });
    expect(c2.events).toHaveLength(1);
  });

  it('a drill never preempts a failover, nor a failover another failover', async () => {
    const store = memoryStore();
    const { client, events } = fakeClient();
    await startPlanRun(client, failoverOf('auto'), deps(store));
    expect((await startPlanRun(client, failoverOf('auto'), deps(store, {}, when(1)))).started).toBe(false);
    expect((await startPlanRun(client, drillOf('auto'), deps(store, {}, when(1)))).started).toBe(false);
    expect(events).toEqual([]);
  });

  it('of concurrent starts exactly one starts; the others are told who holds the plan', async () => {
    const store = memoryStore();
    const { client, started } = fakeClient();
    const decisions = await Promise.all(
      Array.from({ length: 10 }, () => startPlanRun(client, drillOf(), deps(store))),
    );
    const winners = decisions.filter((d) => d.started);
    expect(winners).toHaveLength(1);
    expect(started).toHaveLength(1);
    const winner = winners[0]!;
    if (!winner.started) throw new Error('unreachable');
    for (const d of decisions.filter((x) => !x.started))
      expect(d).toMatchObject({ started: false, code: 'PlanBusy', runId: winner.runId });
  });

  it('frees the lock when the run cannot be started', async () => {
    const store = memoryStore();
    const { client } = fakeClient();
    const failing: PlanClient = {
      ...client,
      startNew: () => Promise.reject(new Error('task hub unavailable')),
    };
    await expect(startPlanRun(failing, drillOf(), deps(store))).rejects.toThrow('task hub unavailable');
    expect(store.locks.size).toBe(0);
    expect((await startPlanRun(client, drillOf(), deps(store))).started).toBe(true);
  });
});
