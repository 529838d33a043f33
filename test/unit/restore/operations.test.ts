import { describe, expect, it } from 'vitest';
import type { ApimClient, OperationPoll } from '../../../shared/apim/port';
import type { ApimServiceId } from '../../../shared/azure/resourceId';
import { NonRetryableError, TransientError } from '../../../shared/errors';
import {
  beginRestoreOnce,
  restoreRecordName,
  type AcceptedRestore,
  type RestoreOperationLog,
} from '../../../shared/restore/operations';

const target: ApimServiceId = {
  resourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/standby',
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'rg',
  serviceName: 'standby',
};
const request = {
  storageAccount: 'acct',
  containerName: 'apim-backups',
  backupName: 'prod/prod-20260301T000000Z.apimbackup',
  accessType: 'SystemAssignedManagedIdentity' as const,
};
const now = new Date('2026-03-01T12:00:00Z');

/** In-memory records and an APIM that answers each restore POST from a script. */
function world(answers: (() => Promise<OperationPoll>)[]) {
  const records = new Map<string, AcceptedRestore>();
  const log: RestoreOperationLog & { failRecord?: boolean } = {
    read: (id) => Promise.resolve(records.get(restoreRecordName(id))),
    record(id, op) {
      if (log.failRecord === true) return Promise.reject(new TransientError('storage down'));
      records.set(restoreRecordName(id), op);
      return Promise.resolve();
    },
  };
  let posts = 0;
  const apim = {
    beginRestore: () => {
      const answer = answers[posts++];
      if (answer === undefined) throw new Error('unexpected POST');
      return answer();
    },
  } as unknown as ApimClient;
  const lines: string[] = [];
  return {
    records,
    log,
    posts: () => posts,
    lines,
    deps: { apim, operations: log, log: (m: string) => lines.push(m) },
  };
}

const running =
  (token: string): (() => Promise<OperationPoll>) =>
  () =>
    Promise.resolve({ status: 'running', token, retryAfterMs: 60_000 });

describe('beginRestoreOnce', () => {
  it('records the accepted POST; the same run begun again returns its token without a POST', async () => {
    const w = world([running('t1')]);
    const first = await beginRestoreOnce(w.deps, { target, runId: 'run-a', request, now });
    expect(first).toEqual({ status: 'running', token: 't1', retryAfterMs: 60_000 });
    expect(w.records.get(restoreRecordName(target.resourceId))).toEqual({
      runId: 'run-a',
      backupName: request.backupName,
      token: 't1',
      acceptedAt: now.toISOString(),
    });
    // Any spelling of the target finds the same record.
    const again = await beginRestoreOnce(w.deps, {
      target: { ...target, resourceId: `${target.resourceId.toUpperCase()}/` },
      runId: 'run-a',
      request,
      now,
    });
    expect(again).toEqual({ status: 'running', token: 't1', retryAfterMs: undefined });
    expect(w.posts()).toBe(1);
  });

  it('a later run into the same target POSTs and replaces the record', async () => {
    const w = world([running('t1'), running('t2')]);
    await beginRestoreOnce(w.deps, { target, runId: 'run-a', request, now });
    const next = await beginRestoreOnce(w.deps, { target, runId: 'run-b', request, now });
    expect(next).toMatchObject({ status: 'running', token: 't2' });
    expect(w.posts()).toBe(2);
    expect(w.records.get(restoreRecordName(target.resourceId))?.runId).toBe('run-b');
  });

  it('a 409 ServiceLocked while its own run recorded meanwhile answers that token', async () => {
    const w = world([]);
    const locked = new TransientError('locked', { code: 'ServiceLocked' });
    w.deps.apim.beginRestore = () => {
      // The other delivery's POST was accepted and recorded while this one was in flight.
      w.records.set(restoreRecordName(target.resourceId), {
        runId: 'run-a',
        backupName: request.backupName,
        token: 'theirs',
        acceptedAt: now.toISOString(),
      });
      return Promise.reject(locked);
    };
    expect(await beginRestoreOnce(w.deps, { target, runId: 'run-a', request, now })).toEqual({
      status: 'running',
      token: 'theirs',
      retryAfterMs: undefined,
    });
    // Another run's record does not count: the 409 stands.
    await expect(beginRestoreOnce(w.deps, { target, runId: 'run-b', request, now })).rejects.toBe(locked);
  });

  it('errors before acceptance are rethrown and nothing is recorded', async () => {
    const refused = new NonRetryableError('bad', { code: 'InvalidParameters' });
    const w = world([() => Promise.reject(refused)]);
    await expect(beginRestoreOnce(w.deps, { target, runId: 'run-a', request, now })).rejects.toBe(refused);
    expect(w.records.size).toBe(0);
  });

  it('a record that cannot be written is logged, and the token still returned', async () => {
    const w = world([running('t1')]);
    w.log.failRecord = true;
    expect(await beginRestoreOnce(w.deps, { target, runId: 'run-a', request, now })).toMatchObject({
      status: 'running',
      token: 't1',
    });
    expect(w.lines.join('\n')).toContain('could not be recorded');
  });

  it('a restore that completed at once passes on the completion the service reported', async () => {
    const w = world([
      () =>
        Promise.resolve({
          status: 'succeeded',
          service: {} as never,
          completedAt: '2026-03-01T12:30:00.000Z',
        }),
    ]);
    expect(await beginRestoreOnce(w.deps, { target, runId: 'run-a', request, now })).toEqual({
      status: 'succeeded',
      completedAt: '2026-03-01T12:30:00.000Z',
    });
    expect(w.records.size).toBe(0);
  });
});
