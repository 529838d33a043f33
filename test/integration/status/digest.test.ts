import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDigest } from '../../../shared/digest/service';
import type { StatusReport } from '../../../shared/status/model';
import { postJson } from '../restore/helpers';
import { startStatusWorld, type StatusWorld } from './helpers';

/**
 * The status digest through the local host (issue 21, item 13): a backup run, its prune and a
 * drill restore record what the page shows in `lifeboat-status/digest/services/<service>.json`;
 * the page reads that record, never the backup account; a missing record shows unknown until
 * `GET /api/backups?fresh=true` or the next backup run writes it again; a digest that cannot be
 * written never fails the backup.
 */
let w: StatusWorld;
const DIGEST = 'digest/services/prod.json';

const status = async () => JSON.parse(await w.getText('/api/status')) as StatusReport;
const prodOf = (r: StatusReport) => r.services.find((s) => s.service === 'prod')!;
const digests = () => w.blobs.getContainerClient('lifeboat-status');
async function digest(): Promise<ServiceDigest> {
  return JSON.parse(
    (await digests().getBlobClient(DIGEST).downloadToBuffer()).toString('utf8'),
  ) as ServiceDigest;
}
async function backUp(): Promise<void> {
  expect((await postJson(w.host, '/api/backups', { services: ['prod'] })).status).toBe(202);
  expect((await w.waitFor('backup-prod')).output).toMatchObject({ outcome: 'succeeded' });
}

beforeAll(async () => {
  w = await startStatusWorld({
    services: [
      { name: 'prod', sku: { name: 'Developer' }, location: 'West Europe' },
      { name: 'prod-standby', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'prod-drill', sku: { name: 'Developer' }, location: 'North Europe' },
    ],
    protect: [{ service: 'prod', standby: 'prod-standby', drillTargets: ['prod-drill'] }],
    sites: [],
  });
}, 180_000);
afterAll(async () => {
  await w?.stop();
});

describe('the status digest', () => {
  it('before any backup run there is no record: unknown, not red "nothing to restore" and never green', async () => {
    const prod = prodOf(await status());
    expect(prod.backup.colour).toBe('unknown');
    expect(prod.backup.reason).toMatch(/no status digest of prod is recorded yet/);
    expect(prod.lastRun.colour).toBe('unknown');
  });

  it('a backup run and a drill restore record what the page shows; the page reads no backup blob', async () => {
    await backUp();
    const recorded = await digest();
    expect(recorded.lastRun).toMatchObject({
      instanceId: 'backup-prod',
      state: 'ended',
      outcome: 'succeeded',
    });
    expect(recorded.catalog).toMatchObject({ count: 1, verifiedCount: 1 });
    expect(recorded.catalog?.newestVerified?.name).toBe(recorded.lastRun?.verified?.name);

    const started = await postJson(w.host, '/api/restores', {
      service: 'prod',
      target: 'prod-drill',
      mode: 'drill',
    });
    expect(started.status).toBe(202);
    const restore = await w.waitFor(started.json['instanceId'] as string);
    expect(restore.output).toMatchObject({ outcome: 'succeeded' });
    const afterDrill = await digest();
    const drillKey = Object.keys(afterDrill.targets).find((k) => k.endsWith('/prod-drill'));
    expect(drillKey).toBeDefined();
    expect(afterDrill.targets[drillKey!]).toMatchObject({ holder: null, evidence: { outcome: 'succeeded' } });
    expect(afterDrill.catalog?.lastRestoreVerification).toMatchObject({
      target: expect.stringMatching(/prod-drill/),
    });

    const before = w.proxy.requests.length;
    const prod = prodOf(await status());
    const during = w.proxy.requests.slice(before);
    expect(prod.backup.colour).toBe('green');
    expect(prod.backup.newestVerified?.name).toBe(recorded.lastRun?.verified?.name);
    expect(prod.lastRun).toMatchObject({ colour: 'green', outcome: 'succeeded' });
    expect(prod.restoreVerification.colour).toBe('green');
    expect(prod.targets.find((t) => t.name === 'prod-drill')?.colour).toBe('green');
    // One GET of the digest; of the backup account only the two small records the page names
    // (the standby's state, the newest usage export): no listing, no backup blob, no summary.
    expect(during.filter((r) => r.url.includes(DIGEST))).toHaveLength(1);
    const backupAccount = during.filter((r) => /apim-backups|\.apimbackup|_catalog|_restores/.test(r.url));
    expect(
      backupAccount.filter(
        (r) => !/\/apim-backups\/(?:_standby\/prod\.json|_reports\/prod\.latest\.json)$/.test(r.url),
      ),
    ).toEqual([]);
    expect(backupAccount.every((r) => r.method === 'GET')).toBe(true);
    expect(during.filter((r) => /comp=list/.test(r.url))).toEqual([]);
  });

  it('a deleted record shows unknown, never green; GET /api/backups?fresh=true or the next backup run writes it again', async () => {
    const deleteAndCheck = async () => {
      await digests().getBlobClient(DIGEST).delete();
      const gone = await status();
      expect(prodOf(gone).backup.colour).toBe('unknown');
      expect(prodOf(gone).lastRun.colour).toBe('unknown');
      expect(gone.canRecover.answer).not.toBe('yes');
    };
    await deleteAndCheck();
    // The listing of a fresh catalog and the durable status of the last run rebuild it.
    await w.getText('/api/backups?fresh=true');
    const rebuilt = prodOf(await status());
    expect(rebuilt.backup.colour).toBe('green');
    expect(rebuilt.lastRun).toMatchObject({ colour: 'green', outcome: 'succeeded' });

    await deleteAndCheck();
    w.clock.advance(3600_000);
    await backUp();
    const prod = prodOf(await status());
    expect(prod.backup.colour).toBe('green');
    expect(prod.lastRun.colour).toBe('green');
    // The targets come back with their next restore: until then they are not known.
    expect(prod.targets.find((t) => t.name === 'prod-drill')?.colour).toBe('unknown');
  });

  it('a digest that cannot be written never fails the backup: it is logged, and the page keeps what it knew', async () => {
    const before = await digest();
    // A lease on the record: every write without the lease id is refused.
    const lease = digests().getBlobClient(DIGEST).getBlobLeaseClient();
    await lease.acquireLease(-1);
    try {
      w.clock.advance(3600_000);
      await backUp();
      expect(w.lines.some((l) => l.includes('lifeboat.status.digestNotWritten'))).toBe(true);
      expect((await digest()).lastRun?.startedAt).toBe(before.lastRun?.startedAt);
    } finally {
      await lease.releaseLease();
    }
  });
});
