import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import { EventType } from '../../../local/host/durable/history';

let t: TestHost;
let fixture: typeof import('./fixtures/app');

beforeAll(async () => {
  t = await createTestHost({
    appRoot: process.cwd(),
    app: async () => {
      fixture = await import('./fixtures/app');
    },
    settings: {
      FIXTURE_SCHEDULE: '0 */5 * * * *',
      FIXTURE_QUEUE: 'unused-queue',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    },
    queues: { enabled: false },
  });
});
afterAll(async () => {
  await t?.stop();
});

describe('orchestrations through the real durable-functions replay', () => {
  it('runs a sequence of activities, one OrchestratorStarted per episode, with custom status', async () => {
    const id = await t.startOrchestration('sequence');
    const status = await t.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['Hello Tokyo', 'Hello Seattle']);
    expect(status.customStatus).toEqual({ step: 'done' });
    const history = t.getHistory(id);
    const started = history.filter((e) => e.EventType === EventType.OrchestratorStarted).length;
    expect(started).toBe(3);
    const scheduled = history.filter((e) => e.EventType === EventType.TaskScheduled);
    expect(scheduled.map((e) => [e.EventId, e['Name'], e['Input']])).toEqual([
      [0, 'hello', '"Tokyo"'],
      [1, 'hello', '"Seattle"'],
    ]);
  });
});

describe('activity retries (host-owned backoff timers, reference §3)', () => {
  it('retries with the exact backoff timers and consumes two sequence ids per failed attempt', async () => {
    fixture.fixtureState.flakyFailuresLeft.set('r1', 2);
    const startAt = t.clock.now().getTime();
    const id = await t.startOrchestration('retrying', {
      key: 'r1',
      attempts: 4,
      first: 1000,
      coefficient: 2,
    });
    const status = await t.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe('ok:r1');
    const h = t.getHistory(id);
    const relevant = h
      .filter((e) =>
        [
          EventType.TaskScheduled,
          EventType.TaskFailed,
          EventType.TaskCompleted,
          EventType.TimerCreated,
          EventType.TimerFired,
        ].includes(e.EventType as never),
      )
      .map((e) => ({
        type: e.EventType,
        id: e.EventId,
        ref: (e['TaskScheduledId'] ?? e['TimerId']) as number | undefined,
        delayMs:
          e.EventType === EventType.TimerCreated
            ? Date.parse(e['FireAt'] as string) - Date.parse(e.Timestamp)
            : undefined,
      }));
    expect(relevant).toEqual([
      { type: EventType.TaskScheduled, id: 0, ref: undefined, delayMs: undefined },
      { type: EventType.TaskFailed, id: -1, ref: 0, delayMs: undefined },
      { type: EventType.TimerCreated, id: 1, ref: undefined, delayMs: 1000 },
      { type: EventType.TimerFired, id: -1, ref: 1, delayMs: undefined },
      { type: EventType.TaskScheduled, id: 2, ref: undefined, delayMs: undefined },
      { type: EventType.TaskFailed, id: -1, ref: 2, delayMs: undefined },
      { type: EventType.TimerCreated, id: 3, ref: undefined, delayMs: 2000 },
      { type: EventType.TimerFired, id: -1, ref: 3, delayMs: undefined },
      { type: EventType.TaskScheduled, id: 4, ref: undefined, delayMs: undefined },
      { type: EventType.TaskCompleted, id: -1, ref: 4, delayMs: undefined },
    ]);
    expect(t.clock.now().getTime() - startAt).toBe(3000);
  });

  it('fails after the last attempt with the activity failure message, after a timer that fires at once', async () => {
    fixture.fixtureState.flakyFailuresLeft.set('r2', 10);
    const id = await t.startOrchestration('retrying', { key: 'r2', attempts: 2, first: 500 });
    const status = await t.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain(
      "Orchestrator function 'retrying' failed: Activity function 'flaky' failed: flaky failure (9 left)",
    );
    const timers = t.getHistory(id).filter((e) => e.EventType === EventType.TimerCreated);
    expect(timers.map((e) => Date.parse(e['FireAt'] as string) - Date.parse(e.Timestamp))).toEqual([500, 0]);
  });
});

describe('timers and events', () => {
  it('completes a 5-hour durable timer on the virtual clock with currentUtcDateTime moving', async () => {
    const id = await t.startOrchestration('sleeper');
    const status = await t.waitForInstance(id);
    const out = status.output as { start: string; end: string };
    expect(Date.parse(out.end) - Date.parse(out.start)).toBe(5 * 3600_000);
  });

  it('splits a 10-day timer into legs like the extension and still fires at the final time', async () => {
    const startAt = t.clock.now().getTime();
    const id = await t.startOrchestration('longWait');
    const status = await t.waitForInstance(id);
    expect(Date.parse(status.output as string) - startAt).toBe(10 * 24 * 3600_000);
    const legs = t.getHistory(id).filter((e) => e.EventType === EventType.TimerCreated).length;
    expect(legs).toBeGreaterThan(1);
  });

  it('Task.any: an event beats a 24h timer, which is cancelled', async () => {
    const id = await t.startOrchestration('approval');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    t.raiseEvent(id, 'Approval', { by: 'ops' });
    const status = await t.waitForInstance(id);
    expect(status.output).toEqual({ approved: { by: 'ops' } });
    expect(t.host.durable.nextTimerDue()).toBeUndefined();
  });

  it('Task.any: the timer wins when no event comes', async () => {
    const id = await t.startOrchestration('approval');
    const status = await t.waitForInstance(id);
    expect(status.output).toEqual({ approved: false, timedOut: true });
  });

  it('buffers an event raised before the orchestration waits for it', async () => {
    const id = await t.startOrchestration('waitThenEvent');
    t.raiseEvent(id, 'Go', 'early'); // arrives before the activity completes
    const status = await t.waitForInstance(id);
    expect(status.output).toBe('early');
  });

  it('delivers an event raised after the orchestration waits, and discards events for finished instances', async () => {
    const id = await t.startOrchestration('waitThenEvent');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    expect(t.getStatus(id)?.runtimeStatus).toBe('Running');
    t.raiseEvent(id, 'Go', 'late');
    expect((await t.waitForInstance(id)).output).toBe('late');
    const gone = t.host.durable.raiseEvent(id, 'Go', '"again"');
    expect(gone.ok ? 'ok' : gone.code).toBe('gone');
  });

  it('fans out to activities and in with Task.all', async () => {
    const id = await t.startOrchestration('fanOut', 20);
    const status = await t.waitForInstance(id);
    expect(status.output).toBe(2 * ((19 * 20) / 2));
  });
});

describe('sub-orchestrations, continueAsNew, failures', () => {
  it('propagates a sub-orchestration failure to the parent as a catchable error', async () => {
    const id = await t.startOrchestration('parentOfFailing', undefined, 'parent-1');
    const status = await t.waitForInstance(id);
    expect((status.output as { caught: string }).caught).toContain(
      "Activity function 'alwaysFails' failed: boom",
    );
    const child = t.getStatus('parent-1-child');
    expect(child?.runtimeStatus).toBe('Failed');
    expect(child?.output).toContain("Orchestrator function 'failing' failed:");
  });

  it('returns a sub-orchestration result', async () => {
    const id = await t.startOrchestration('parentOfSequence');
    expect((await t.waitForInstance(id)).output).toEqual(['Hello Tokyo', 'Hello Seattle']);
  });

  it('continueAsNew restarts the same instance with a fresh history', async () => {
    const id = await t.startOrchestration('counter', 0);
    const status = await t.waitForInstance(id);
    expect(status.output).toBe(3);
    expect(status.input).toBe(3);
    expect(t.getHistory(id).filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
  });

  it('fails an instance whose replay schedules a different activity (NonDeterministicOrchestrationException)', async () => {
    fixture.fixtureState.nondeterministicFlip = false;
    const id = await t.startOrchestration('nondeterministic');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    fixture.fixtureState.nondeterministicFlip = true;
    t.raiseEvent(id, 'Next');
    const status = await t.waitForInstance(id);
    fixture.fixtureState.nondeterministicFlip = false;
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      "Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence number 0 named 'hello', but the current orchestration replay instead scheduled an activity task named 'double' with this sequence number.  Was a change made to the orchestrator code after this instance had already started running?",
    );
  });

  it('fails clearly (never hangs) on durable entities', async () => {
    const id = await t.startOrchestration('usesEntity');
    const status = await t.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toContain('does not support durable entities');
  });

  it('refuses to start a singleton instance id that is still running (NonRunningStates)', async () => {
    await t.startOrchestration('waitThenEvent', undefined, 'singleton-1');
    await expect(t.startOrchestration('waitThenEvent', undefined, 'singleton-1')).rejects.toThrow(
      /already exists/,
    );
    t.raiseEvent('singleton-1', 'Go', 1);
    await t.waitForInstance('singleton-1');
    await expect(t.startOrchestration('waitThenEvent', undefined, 'singleton-1')).resolves.toBe(
      'singleton-1',
    );
  });
});

describe('durable client binding and HTTP API', () => {
  it('starts through df.getClient, answers createCheckStatusResponse with URLs on this host, and serves status', async () => {
    const res = await t.fetch('/api/orchestrators/sequence/http-1', { method: 'POST' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; statusQueryGetUri: string };
    expect(body.id).toBe('http-1');
    expect(
      body.statusQueryGetUri.startsWith(`${t.baseUrl}/runtime/webhooks/durabletask/instances/http-1`),
    ).toBe(true);
    await t.waitForInstance('http-1');
    const status = await fetch(body.statusQueryGetUri);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      instanceId: 'http-1',
      runtimeStatus: 'Completed',
      output: ['Hello Tokyo', 'Hello Seattle'],
    });
    const viaClient = await t.fetch('/api/ops/http-1/status', { method: 'POST' });
    expect(await viaClient.json()).toMatchObject({ runtimeStatus: 'Completed' });
  });

  it('raises events, terminates, lists and purges through the client', async () => {
    await t.startOrchestration('approval', undefined, 'ops-1');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    expect((await t.fetch('/api/ops/ops-1/raise', { method: 'POST' })).status).toBe(202);
    expect((await t.waitForInstance('ops-1')).output).toEqual({ approved: { approved: true } });

    await t.startOrchestration('waitThenEvent', undefined, 'ops-2');
    expect((await t.fetch('/api/ops/ops-2/terminate', { method: 'POST' })).status).toBe(202);
    expect(t.getStatus('ops-2')).toMatchObject({ runtimeStatus: 'Terminated', output: 'stop please' });

    const list = (await (await t.fetch('/api/ops/x/list', { method: 'POST' })).json()) as {
      instanceId: string;
    }[];
    expect(list.map((s) => s.instanceId)).toEqual(expect.arrayContaining(['ops-1', 'ops-2']));
    expect(await (await t.fetch('/api/ops/ops-2/purge', { method: 'POST' })).json()).toEqual({
      instancesDeleted: 1,
    });
    expect(t.getStatus('ops-2')).toBeUndefined();
    const missing = await fetch(`${t.baseUrl}/durabletask/instances/ops-2`);
    expect(missing.status).toBe(404);
  });

  it('answers 400 for an unknown orchestrator on the rpc API', async () => {
    const res = await fetch(`${t.baseUrl}/durabletask/orchestrators/noSuchThing`, {
      method: 'POST',
      body: '',
    });
    expect(res.status).toBe(400);
  });
});
