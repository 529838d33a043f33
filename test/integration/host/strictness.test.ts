import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import { EventType } from '../../../local/host/durable/history';

/**
 * Where the real Durable extension (DurableTask.Core + WebJobs.Extensions.DurableTask) is strict,
 * the local host must be too, so nothing passes here and fails in Azure (issue 8, item 12). The
 * sources compared are cited in local/host/durable/ (limits.ts, determinism.ts, episode.ts) and local/README.md.
 */

let t: TestHost;

beforeAll(async () => {
  t = await createTestHost({
    appRoot: process.cwd(),
    app: () => import('./fixtures/strictness'),
    queues: { enabled: false },
    timers: false,
  });
});
afterAll(async () => {
  await t?.stop();
});

/** Calls the fixture's route that uses the real durable client (df.getClient). */
async function viaClient(
  op: 'start' | 'suspend' | 'resume',
  instanceId: string,
  name?: string,
): Promise<{ ok: boolean; id?: string; error?: string }> {
  const res = await t.fetch('/api/strict', {
    method: 'POST',
    body: JSON.stringify({ op, instanceId, name }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { ok: boolean; id?: string; error?: string };
}

/** The custom status after every state change of one instance. */
function watchCustomStatus(id: string): { seen: unknown[]; stop: () => void } {
  const seen: unknown[] = [];
  const stop = t.host.durable.onChange(() => {
    const status = t.getStatus(id);
    if (status) seen.push(status.customStatus);
  });
  return { seen, stop };
}

describe('custom status is rewritten every episode (DurableTask.Core: runtimeState.Status = result.CustomStatus)', () => {
  it('clears a status that only the first episode set', async () => {
    const watch = watchCustomStatus('status-first');
    await t.startOrchestration('statusFirstEpisodeOnly', undefined, 'status-first');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    watch.stop();
    expect(watch.seen).toContainEqual({ phase: 'started' });
    expect(t.getStatus('status-first')).toMatchObject({ runtimeStatus: 'Running', customStatus: null });
    t.raiseEvent('status-first', 'Go');
    expect(await t.waitForInstance('status-first')).toMatchObject({
      runtimeStatus: 'Completed',
      customStatus: null,
    });
  });

  it('keeps a status that every replay sets again', async () => {
    await t.startOrchestration('statusEveryEpisode', undefined, 'status-every');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    expect(t.getStatus('status-every')).toMatchObject({
      runtimeStatus: 'Running',
      customStatus: { phase: 'waiting' },
    });
    t.raiseEvent('status-every', 'Go');
    expect((await t.waitForInstance('status-every')).customStatus).toEqual({ phase: 'done' });
  });

  it('carries the status over continue-as-new into the first episode only (carryOverStatus)', async () => {
    await t.startOrchestration('statusAcrossContinueAsNew', 0, 'status-can');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    expect(t.getStatus('status-can')).toMatchObject({
      runtimeStatus: 'Running',
      input: 1,
      customStatus: { generation: 0 },
    });
    t.raiseEvent('status-can', 'Go');
    expect((await t.waitForInstance('status-can')).customStatus).toBeNull();
  });
});

describe('custom status size (MessagePayloadDataConverter.Serialize(value, 16))', () => {
  // A string status of n characters is n + 2 characters of JSON, 2 bytes each in UTF-16; the
  // extension truncates bytes / 1024 and refuses more than 16.
  it('accepts 17406 bytes of UTF-16 JSON (16 KB after truncation)', async () => {
    const status = await t.waitForInstance(await t.startOrchestration('bigStatus', 8701));
    expect(status.runtimeStatus).toBe('Completed');
    expect((status.customStatus as string).length).toBe(8701);
  });

  it('fails the orchestration at 17408 bytes, before the episode schedules anything', async () => {
    const id = await t.startOrchestration('bigStatus', 8702);
    const status = await t.waitForInstance(id);
    expect(status).toMatchObject({
      runtimeStatus: 'Failed',
      customStatus: null,
      output:
        "Orchestrator function 'bigStatus' failed: The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 17 KB.",
    });
    expect(t.getHistory(id).filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(1);
  });
});

describe('history at completion: ExecutionCompleted, then OrchestratorCompleted', () => {
  const tail = (id: string) =>
    t
      .getHistory(id)
      .slice(-2)
      .map((e) => [e.EventType, e['OrchestrationStatus']]);

  it('a completed orchestration', async () => {
    const id = await t.startOrchestration('quick');
    await t.waitForInstance(id);
    expect(tail(id)).toEqual([
      [EventType.ExecutionCompleted, 'Completed'],
      [EventType.OrchestratorCompleted, undefined],
    ]);
  });

  it('a failed orchestration', async () => {
    const id = await t.startOrchestration('throws');
    expect((await t.waitForInstance(id)).runtimeStatus).toBe('Failed');
    expect(tail(id)).toEqual([
      [EventType.ExecutionCompleted, 'Failed'],
      [EventType.OrchestratorCompleted, undefined],
    ]);
  });

  it('a terminated orchestration: its own episode with ExecutionTerminated', async () => {
    const id = await t.startOrchestration('waiter');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    expect(t.host.durable.terminate(id, 'enough').ok).toBe(true);
    expect(
      t
        .getHistory(id)
        .slice(-4)
        .map((e) => [e.EventType, e['OrchestrationStatus']]),
    ).toEqual([
      [EventType.OrchestratorStarted, undefined],
      [EventType.ExecutionTerminated, undefined],
      [EventType.ExecutionCompleted, 'Terminated'],
      [EventType.OrchestratorCompleted, undefined],
    ]);
  });
});

describe('suspend and resume in the wrong state are errors (DurableClient.SuspendAsync / ResumeAsync)', () => {
  it('through the durable client: resume of a running and suspend of a suspended instance reject', async () => {
    await t.startOrchestration('waiter', undefined, 'sr-1');
    await t.runUntilIdle({ maxAdvanceMs: 0 });

    const resumeRunning = await viaClient('resume', 'sr-1');
    expect(resumeRunning.ok).toBe(false);
    expect(resumeRunning.error).toContain('unexpected status code: 500');
    expect(resumeRunning.error).toContain(
      'Cannot resume the orchestration instance sr-1 because instance is in the Running state.',
    );

    expect(await viaClient('suspend', 'sr-1')).toEqual({ ok: true });
    expect(t.getStatus('sr-1')?.runtimeStatus).toBe('Suspended');
    const suspendSuspended = await viaClient('suspend', 'sr-1');
    expect(suspendSuspended.ok).toBe(false);
    expect(suspendSuspended.error).toContain(
      'Cannot suspend the orchestration instance sr-1 because instance is in the Suspended state.',
    );

    expect(await viaClient('resume', 'sr-1')).toEqual({ ok: true });
    expect(t.getStatus('sr-1')?.runtimeStatus).toBe('Running');
    t.raiseEvent('sr-1', 'Go');
    expect((await t.waitForInstance('sr-1')).runtimeStatus).toBe('Completed');
    // A finished instance answers 410, which the client accepts; an unknown one 404, which it rejects.
    expect(await viaClient('suspend', 'sr-1')).toEqual({ ok: true });
    expect(await viaClient('resume', 'sr-1')).toEqual({ ok: true });
    expect((await viaClient('resume', 'sr-unknown')).ok).toBe(false);
  });

  it('through the HTTP API: 500 with the extension error body', async () => {
    await t.startOrchestration('waiter', undefined, 'sr-2');
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    const res = await fetch(`${t.baseUrl}/runtime/webhooks/durabletask/instances/sr-2/resume`, {
      method: 'POST',
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      Message: 'Something went wrong while processing your request',
      ExceptionMessage:
        'Cannot resume the orchestration instance sr-2 because instance is in the Running state.',
      ExceptionType: 'System.InvalidOperationException',
      StackTrace: null,
    });
    t.host.durable.terminate('sr-2', 'done');
  });
});

describe('instance id rules (DurableClient.StartNewAsync)', () => {
  const AT = "instanceId (Parameter 'Orchestration instance ids must not start with @.')";
  const CHARS =
    "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')";
  const LENGTH = 'Instance ID lengths must not exceed 256 characters.';

  it.each([
    ['a leading @', '@starts-with-at', AT],
    ['a /', 'has/slash', CHARS],
    ['a \\', 'has\\backslash', CHARS],
    ['a #', 'has#hash', CHARS],
    ['a ?', 'has?question', CHARS],
    ['a control character', 'has\u0007control', CHARS],
    ['257 characters', 'x'.repeat(257), LENGTH],
  ])('refuses %s', async (_label, id, message) => {
    await expect(t.startOrchestration('quick', undefined, id)).rejects.toThrow(message);
    expect(t.getStatus(id)).toBeUndefined();
  });

  it('accepts 256 characters and an @ that is not first', async () => {
    const long = 'y'.repeat(256);
    expect(await t.startOrchestration('quick', undefined, long)).toBe(long);
    expect(await t.startOrchestration('quick', undefined, 'a@b')).toBe('a@b');
    await t.runUntilIdle();
  });

  it('through the durable client: 400 for @ and length, 404 for a / (the route does not match)', async () => {
    const at = await viaClient('start', '@client', 'quick');
    expect(at.ok).toBe(false);
    expect(at.error).toContain('unexpected status code: 400');
    expect(at.error).toContain(AT);
    const long = await viaClient('start', 'z'.repeat(257), 'quick');
    expect(long.error).toContain(LENGTH);
    const slash = await viaClient('start', 'client/slash', 'quick');
    expect(slash.ok).toBe(false);
    expect(slash.error).toContain('unexpected status code: 404');
    expect(t.getStatus('client')).toBeUndefined();
  });

  it('through the HTTP API: 400 with the extension error body', async () => {
    const res = await fetch(`${t.baseUrl}/runtime/webhooks/durabletask/orchestrators/quick/%40api`, {
      method: 'POST',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      Message: 'One or more of the arguments submitted is incorrect',
      ExceptionMessage: AT,
      ExceptionType: 'System.ArgumentException',
      StackTrace: null,
    });
  });
});
