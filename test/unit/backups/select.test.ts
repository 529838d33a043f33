import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectServices } from '../../../shared/backups/select';
import { startBackupRuns } from '../../../shared/backups/start';
import type { RunStarterClient } from '../../../shared/durable/start';

const configured = [{ serviceName: 'alpha' }, { serviceName: 'Beta' }];

describe('POST /api/backups body', () => {
  it('an empty body or {} selects every service', () => {
    expect(selectServices('', configured)).toEqual({ ok: true, services: configured });
    expect(selectServices('{}', configured)).toEqual({ ok: true, services: configured });
  });
  it('picks named services case-insensitively, once each', () => {
    expect(selectServices('{"services":["beta","BETA"]}', configured)).toEqual({
      ok: true,
      services: [configured[1]],
    });
  });
  it.each([
    ['not json', /^body: must be JSON/],
    ['[]', /^body: /],
    ['{"services":"alpha"}', /^services: must be an array/],
    ['{"services":[]}', /^services: must name at least one/],
    ['{"services":[1]}', /^services\.0: must be a service name/],
    ['{"services":["alpha","gamma"]}', /^services\.1: unknown service 'gamma'/],
    ['{"service":["alpha"]}', /service/],
  ])('400 naming the field for %s', (body, message) => {
    const r = selectServices(body, configured);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
  it('property: never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.string(), (body) => {
        expect(() => selectServices(body, configured)).not.toThrow();
      }),
    );
  });
});

/** A fake of our own small port (not of an SDK): statuses by instance id, and refusals for running ids. */
function fakeClient(
  statuses: Record<string, string>,
  failStart: string[] = [],
): RunStarterClient & { startedIds: string[] } {
  const startedIds: string[] = [];
  return {
    startedIds,
    getStatus(id) {
      const s = statuses[id];
      if (s === undefined)
        return Promise.reject(
          new Error('DurableClient error: Durable Functions extension replied with HTTP 404 response.'),
        );
      return Promise.resolve({ runtimeStatus: s });
    },
    startNew(_name, { instanceId }) {
      if (failStart.includes(instanceId)) return Promise.reject(new Error('storage unavailable'));
      if (statuses[instanceId] === 'Running') return Promise.reject(new Error('instance already exists'));
      startedIds.push(instanceId);
      statuses[instanceId] = 'Pending';
      return Promise.resolve(instanceId);
    },
  };
}

describe('startBackupRuns', () => {
  it('starts services with no run or a finished one, skips running ones, reports failures without stopping', async () => {
    const client = fakeClient({ 'backup-beta': 'Running', 'backup-gamma': 'Failed' }, ['backup-delta']);
    const out = await startBackupRuns(
      client,
      'backupOrchestration',
      [{ serviceName: 'Alpha' }, { serviceName: 'beta' }, { serviceName: 'delta' }, { serviceName: 'gamma' }],
      () => ({}),
    );
    expect(client.startedIds).toEqual(['backup-alpha', 'backup-gamma']);
    expect(out.map((o) => [o.service, o.started, 'error' in o])).toEqual([
      ['Alpha', true, false],
      ['beta', false, false],
      ['delta', false, true],
      ['gamma', true, false],
    ]);
  });
  it('a second trigger while the first run is pending does not stack', async () => {
    const client = fakeClient({});
    await startBackupRuns(client, 'o', [{ serviceName: 'a' }], () => ({}));
    const second = await startBackupRuns(client, 'o', [{ serviceName: 'a' }], () => ({}));
    expect(client.startedIds).toEqual(['backup-a']);
    expect(second[0]).toMatchObject({ started: false, reason: 'previous run is still Pending' });
  });
});
