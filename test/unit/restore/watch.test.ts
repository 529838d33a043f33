import { describe, expect, it } from 'vitest';
import { decideWatchedRestore } from '../../../shared/restore/watch';

const updating = { provisioningState: 'Updating', transitioning: true };
const succeeded = { provisioningState: 'Succeeded', transitioning: false };

describe('decideWatchedRestore', () => {
  it('a transitioning target means the restore runs, and is remembered as seen running', () => {
    expect(decideWatchedRestore(false, updating)).toEqual({ done: false, sawRunning: true });
    expect(decideWatchedRestore(true, updating)).toEqual({ done: false, sawRunning: true });
  });
  it('a settled target after the restore was seen running: done', () => {
    expect(decideWatchedRestore(true, succeeded)).toEqual({
      done: true,
      sawRunning: true,
      targetFailed: false,
    });
    expect(decideWatchedRestore(true, { provisioningState: 'failed', transitioning: false })).toEqual({
      done: true,
      sawRunning: true,
      targetFailed: true,
    });
  });
  it('a settled target never seen Updating is not taken as done (the restore may not have begun yet)', () => {
    expect(decideWatchedRestore(false, succeeded)).toEqual({ done: false, sawRunning: false });
  });
  it('Succeeded with a target state still pending is transitioning', () => {
    // The caller computes `transitioning` (targetProvisioningState not empty); the decision trusts it.
    expect(decideWatchedRestore(false, { provisioningState: 'Succeeded', transitioning: true }).done).toBe(
      false,
    );
  });
});

describe('pollBackupOnce on a restore that cannot be read', () => {
  it('reports the watched target state (the restore decides), never "succeeded" on its own', async () => {
    const { pollBackupOnce } = await import('../../../shared/backups/begin');
    const resourceId =
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/standby';
    let state = { provisioningState: 'Updating', targetProvisioningState: 'Succeeded' };
    const read: string[] = [];
    const apim = {
      pollOnce: (token: string) =>
        Promise.resolve({ status: 'unobservable', token, watch: { kind: 'service', resourceId } }),
      getService: (id: { serviceName: string }) => {
        read.push(id.serviceName);
        return Promise.resolve(state);
      },
    } as never;
    const operations = {} as never;
    expect(await pollBackupOnce({ apim, operations }, 'tok')).toEqual({
      status: 'running',
      token: 'tok',
      retryAfterMs: undefined,
      watching: 'service',
      target: { provisioningState: 'Updating', transitioning: true },
    });
    state = { provisioningState: 'Succeeded', targetProvisioningState: '' };
    expect(await pollBackupOnce({ apim, operations }, 'tok')).toMatchObject({
      status: 'running',
      target: { provisioningState: 'Succeeded', transitioning: false },
    });
    expect(read).toEqual(['standby', 'standby']);
  });
});
