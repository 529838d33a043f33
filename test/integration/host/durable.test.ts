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
    settings: { FIXTURE_SCHEDULE: '0 */5 * * * *', FIXTURE_QUEUE: 'unused-queue', AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
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
