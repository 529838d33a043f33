import { describe, expect, it } from 'vitest';
import { runtimeStatusOf, startOnce, type RunStarterClient } from '../../../shared/durable/start';

const NOT_FOUND = 'DurableClient error: Durable Functions extension replied with HTTP 404 response.';

/**
 * A fake of our own small port (not of an SDK). `raceTo`: another trigger starts the instance
 * between our check and our start, so the host refuses ours (host.json NonRunningStates).
 */
function fakeClient(
  statuses: Record<string, string>,
  options: { raceTo?: string; failStart?: boolean; failCheck?: boolean } = {},
): RunStarterClient & { starts: string[] } {
  const starts: string[] = [];
  let checks = 0;
  return {
    starts,
    getStatus(id) {
      checks++;
      if (options.failCheck === true) return Promise.reject(new Error('storage unavailable'));
      const s = statuses[id];
      return s === undefined ? Promise.reject(new Error(NOT_FOUND)) : Promise.resolve({ runtimeStatus: s });
    },
    startNew(_name, { instanceId }) {
      if (options.raceTo !== undefined && checks === 1) {
        statuses[instanceId] = options.raceTo;
        return Promise.reject(new Error('An instance with ID already exists'));
      }
      if (options.failStart === true) return Promise.reject(new Error('storage unavailable'));
      starts.push(instanceId);
      statuses[instanceId] = 'Pending';
      return Promise.resolve(instanceId);
    },
  };
}

describe('startOnce', () => {
  it('starts an instance that does not exist or has ended', async () => {
    for (const before of [undefined, 'Completed', 'Failed', 'Terminated']) {
      const client = fakeClient(before === undefined ? {} : { i: before });
      expect(await startOnce(client, 'o', 'i', {})).toEqual({ started: true, instanceId: 'i' });
      expect(client.starts).toEqual(['i']);
    }
  });
  it('does not stack on a running instance', async () => {
    for (const running of ['Running', 'Pending', 'ContinuedAsNew', 'Suspended']) {
      const client = fakeClient({ i: running });
      expect(await startOnce(client, 'o', 'i', {})).toEqual({
        started: false,
        instanceId: 'i',
        runtimeStatus: running,
        refused: false,
      });
      expect(client.starts).toEqual([]);
    }
  });
  it('a start refused because another trigger won the race is busy, not failed', async () => {
    const client = fakeClient({}, { raceTo: 'Running' });
    expect(await startOnce(client, 'o', 'i', {})).toEqual({
      started: false,
      instanceId: 'i',
      runtimeStatus: 'Running',
      refused: true,
    });
  });
  it('returns a failed check or start with its step and error (never throws)', async () => {
    const check = await startOnce(fakeClient({}, { failCheck: true }), 'o', 'i', {});
    expect(check).toMatchObject({ started: false, failed: 'check' });
    const start = await startOnce(fakeClient({}, { failStart: true }), 'o', 'i', {});
    expect(start).toMatchObject({ started: false, failed: 'start' });
    expect((start as { error: Error }).error.message).toBe('storage unavailable');
  });
});

describe('runtimeStatusOf', () => {
  it('reads a missing instance (404 or "No instance") as none, and rethrows other failures', async () => {
    const client = (error: string): Pick<RunStarterClient, 'getStatus'> => ({
      getStatus: () => Promise.reject(new Error(error)),
    });
    expect(await runtimeStatusOf(client(NOT_FOUND), 'i')).toBeUndefined();
    expect(await runtimeStatusOf(client('No instance with ID i found'), 'i')).toBeUndefined();
    await expect(runtimeStatusOf(client('ECONNRESET'), 'i')).rejects.toThrow('ECONNRESET');
  });
});
