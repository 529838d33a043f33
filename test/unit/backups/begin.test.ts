import { describe, expect, it } from 'vitest';
import type { ApimClient, OperationPoll } from '../../../shared/apim/port';
import type { ApimServiceId } from '../../../shared/azure/resourceId';
import {
  beginBackupOnce,
  pollBackupOnce,
  settleEarlier,
  type BeginDeps,
} from '../../../shared/backups/begin';
import { backupBlobName } from '../../../shared/backups/naming';
import type { AcceptedOperation, BlobState, OperationLog } from '../../../shared/backups/operations';
import { NonRetryableError, TransientError } from '../../../shared/errors';

const HOUR = 3600_000;
const now = new Date('2026-03-01T12:00:00Z');
const blobName = backupBlobName('svc', now);
const service: ApimServiceId = {
  resourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc',
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'rg',
  serviceName: 'svc',
};
const request = {
  storageAccount: 'acct',
  containerName: 'apim-backups',
  backupName: blobName,
  accessType: 'SystemAssignedManagedIdentity' as const,
};

/** In-memory records and blobs. */
function fakeWorld() {
  const records = new Map<string, AcceptedOperation>();
  const blobs = new Map<string, BlobState>();
  const verified: { name: string; takenAt: string; region: string }[] = [];
  const operations: OperationLog & { failRecord?: boolean } = {
    read: (name) => Promise.resolve(records.get(name)),
    record(name, op) {
      if (operations.failRecord === true) return Promise.reject(new TransientError('storage down'));
      records.set(name, op);
      return Promise.resolve();
    },
    list: (svc) =>
      Promise.resolve(
        [...records].filter(([n]) => n.startsWith(`${svc}/`)).map(([n, op]) => ({ blobName: n, op })),
      ),
    forget(name) {
      records.delete(name);
      return Promise.resolve();
    },
    inspect: (name) => Promise.resolve(blobs.get(name)),
  };
  const store: BeginDeps['store'] = {
    verify(name, metadata) {
      const blob = blobs.get(name);
      if (blob === undefined || blob.sizeBytes === 0)
        return Promise.reject(
          new NonRetryableError(`${name} missing or empty`, { code: 'BackupBlobMissing' }),
        );
      blobs.set(name, { ...blob, verified: true });
      verified.push({ name, takenAt: metadata.takenAt, region: metadata.region });
      return Promise.resolve({ sizeBytes: blob.sizeBytes });
    },
  };
  return { records, blobs, verified, operations, store };
}

/** An APIM fake: begin answers from `begins` in order, polls by token from `polls`. */
function fakeApim(
  begins: (() => Promise<OperationPoll>)[],
  polls: Record<string, () => Promise<OperationPoll>> = {},
) {
  const calls = { begin: 0, poll: [] as string[] };
  const apim: ApimClient = {
    getService: () => Promise.reject(new Error('not used')),
    beginRestore: () => Promise.reject(new Error('not used')),
    listApis: () => Promise.reject(new Error('not used')),
    listProducts: () => Promise.reject(new Error('not used')),
    listNamedValues: () => Promise.reject(new Error('not used')),
    readManifest: () => Promise.reject(new Error('not used')),
    listReports: () => Promise.reject(new Error('not used')),
    beginBackup() {
      const next = begins[calls.begin++];
      return next ? next() : Promise.reject(new Error('unexpected POST'));
    },
    pollOnce(token) {
      calls.poll.push(token);
      const answer = polls[token];
      return answer ? answer() : Promise.reject(new Error(`unexpected poll of ${token}`));
    },
  };
  return { apim, calls };
}

const running =
  (token: string): (() => Promise<OperationPoll>) =>
  () =>
    Promise.resolve({ status: 'running', token, retryAfterMs: 60_000 });
const verifyAs = { region: 'West Europe', tier: 'Developer' };

describe('beginBackupOnce', () => {
  it('records the accepted POST; a second begin for the blob returns the same token without POSTing', async () => {
    const w = fakeWorld();
    const { apim, calls } = fakeApim([running('t1')]);
    const deps = { apim, operations: w.operations, store: w.store, retentionDays: 7 };
    expect(await beginBackupOnce(deps, { service, serviceName: 'svc', blobName, request })).toEqual({
      status: 'running',
      token: 't1',
      retryAfterMs: 60_000,
    });
    expect(await beginBackupOnce(deps, { service, serviceName: 'svc', blobName, request })).toMatchObject({
      status: 'running',
      token: 't1',
    });
    expect(calls.begin).toBe(1);
    expect(w.records.get(blobName)).toEqual({ token: 't1', acceptedAt: now.toISOString() });
  });

  it('a blob already written means the backup ran: succeeded, no POST', async () => {
    const w = fakeWorld();
    w.blobs.set(blobName, { sizeBytes: 10, verified: false });
    const { apim, calls } = fakeApim([]);
    const deps = { apim, operations: w.operations, store: w.store, retentionDays: 7 };
    expect(await beginBackupOnce(deps, { service, serviceName: 'svc', blobName, request })).toEqual({
      status: 'succeeded',
    });
    expect(calls.begin).toBe(0);
  });

  it('a ServiceLocked POST returns the operation a concurrent delivery recorded; otherwise it is rethrown', async () => {
    const w = fakeWorld();
    const locked = () => Promise.reject(new TransientError('locked', { code: 'ServiceLocked' }));
    const { apim } = fakeApim([
      () => {
        w.records.set(blobName, { token: 'other', acceptedAt: now.toISOString() });
        return locked();
      },
      locked,
    ]);
    const deps = { apim, operations: w.operations, store: w.store, retentionDays: 7 };
    expect(await beginBackupOnce(deps, { service, serviceName: 'svc', blobName, request })).toMatchObject({
      token: 'other',
    });
    const other = backupBlobName('svc', new Date(now.getTime() + HOUR));
    await expect(
      beginBackupOnce(deps, { service, serviceName: 'svc', blobName: other, request }),
    ).rejects.toMatchObject({ code: 'ServiceLocked' });
  });

  it('a record that cannot be written does not fail the begin (that would POST again)', async () => {
    const w = fakeWorld();
    w.operations.failRecord = true;
    const lines: string[] = [];
    const { apim } = fakeApim([running('t1')]);
    const deps = {
      apim,
      operations: w.operations,
      store: w.store,
      retentionDays: 7,
      log: (l: string) => lines.push(l),
    };
    expect(await beginBackupOnce(deps, { service, serviceName: 'svc', blobName, request })).toMatchObject({
      status: 'running',
      token: 't1',
    });
    expect(lines.join('\n')).toMatch(/could not be recorded/);
  });
});

describe('settleEarlier', () => {
  const at = (hoursAgo: number) => backupBlobName('svc', new Date(now.getTime() - hoursAgo * HOUR));

  it('verifies completed earlier backups, forgets failed and expired ones, leaves running ones', async () => {
    const w = fakeWorld();
    const done = at(6);
    const blind = at(12);
    const blindNotYet = at(13);
    const failed = at(18);
    const still = at(1);
    const expired = at(9 * 24);
    const alreadyVerified = at(24);
    for (const [name, token] of [
      [done, 'done'],
      [blind, 'blind'],
      [blindNotYet, 'blindNotYet'],
      [failed, 'failed'],
      [still, 'still'],
      [expired, 'expired'],
      [alreadyVerified, 'verified'],
      [blobName, 'current'],
    ] as const)
      w.records.set(name, { token, acceptedAt: now.toISOString() });
    w.blobs.set(done, { sizeBytes: 5, verified: false });
    w.blobs.set(blind, { sizeBytes: 5, verified: false });
    w.blobs.set(failed, { sizeBytes: 5, verified: false });
    w.blobs.set(alreadyVerified, { sizeBytes: 5, verified: true });
    const unobservable = (name: string) => () =>
      Promise.resolve<OperationPoll>({ status: 'unobservable', token: 'x', watch: { kind: 'blob', name } });
    const { apim, calls } = fakeApim([], {
      done: () =>
        Promise.resolve<OperationPoll>({
          status: 'succeeded',
          service: {} as Extract<OperationPoll, { status: 'succeeded' }>['service'],
        }),
      blind: unobservable(blind),
      blindNotYet: unobservable(blindNotYet),
      failed: () => Promise.reject(new NonRetryableError('failed', { code: 'BackupFailed' })),
      still: running('still'),
    });
    const deps = { apim, operations: w.operations, store: w.store, retentionDays: 7 };
    const settled = await settleEarlier(deps, { serviceName: 'svc', blobName }, now, verifyAs);

    expect(settled.sort()).toEqual([blind, done].sort());
    expect(w.verified.find((v) => v.name === done)).toEqual({
      name: done,
      takenAt: new Date(now.getTime() - 6 * HOUR).toISOString(),
      region: 'West Europe',
    });
    expect(w.blobs.get(failed)?.verified).toBe(false);
    expect([...w.records.keys()].sort()).toEqual([blindNotYet, still, blobName].sort());
    // Neither the expired nor the verified one, nor this run's own, was polled.
    expect(calls.poll.sort()).toEqual(['blind', 'blindNotYet', 'done', 'failed', 'still']);
  });

  it('a transient poll error leaves the record for the next run and does not throw', async () => {
    const w = fakeWorld();
    const earlier = at(6);
    w.records.set(earlier, { token: 'e', acceptedAt: now.toISOString() });
    const { apim } = fakeApim([], { e: () => Promise.reject(new TransientError('500')) });
    const deps = { apim, operations: w.operations, store: w.store, retentionDays: 7 };
    expect(await settleEarlier(deps, { serviceName: 'svc', blobName }, now, verifyAs)).toEqual([]);
    expect(w.records.has(earlier)).toBe(true);
  });
});

describe('pollBackupOnce', () => {
  it('after a 403 the blob is watched: running until it is written with content, then succeeded', async () => {
    const w = fakeWorld();
    const { apim } = fakeApim([], {
      t: () =>
        Promise.resolve<OperationPoll>({
          status: 'unobservable',
          token: 't',
          watch: { kind: 'blob', name: blobName },
        }),
    });
    const deps = { apim, operations: w.operations };
    expect(await pollBackupOnce(deps, 't')).toEqual({
      status: 'running',
      token: 't',
      retryAfterMs: undefined,
      watching: 'blob',
    });
    w.blobs.set(blobName, { sizeBytes: 0, verified: false });
    expect(await pollBackupOnce(deps, 't')).toMatchObject({ status: 'running' });
    w.blobs.set(blobName, { sizeBytes: 3, verified: false });
    expect(await pollBackupOnce(deps, 't')).toEqual({ status: 'succeeded' });
  });

  it('a transient poll error: retried while the service transitions; the blob written means done; idle without it means lost', async () => {
    const w = fakeWorld();
    w.records.set(blobName, { token: 't', acceptedAt: now.toISOString() });
    const { apim } = fakeApim([], {
      t: () => Promise.reject(new TransientError('HTTP 500', { code: 'Http500' })),
    });
    let provisioningState = 'Updating';
    apim.getService = () =>
      Promise.resolve({
        resourceId: service.resourceId,
        name: 'svc',
        location: 'West Europe',
        sku: { name: 'Developer', capacity: 1 },
        provisioningState,
        targetProvisioningState: provisioningState === 'Updating' ? 'Succeeded' : '',
        gatewayUrl: undefined,
        hasWorkspaces: false,
        etag: undefined,
      });
    const deps = { apim, operations: w.operations };
    const backup = { service, blobName };
    await expect(pollBackupOnce(deps, 't', backup)).rejects.toMatchObject({ code: 'Http500' });
    provisioningState = 'Succeeded';
    expect(await pollBackupOnce(deps, 't', backup)).toMatchObject({ status: 'lost' });
    // The operation's record is gone: the next begin may POST a new one.
    expect(w.records.has(blobName)).toBe(false);
    w.blobs.set(blobName, { sizeBytes: 3, verified: false });
    expect(await pollBackupOnce(deps, 't', backup)).toEqual({ status: 'succeeded' });
    // Without the backup's identity (a restore), the error is the caller's to retry.
    await expect(pollBackupOnce(deps, 't')).rejects.toMatchObject({ code: 'Http500' });
  });
});
