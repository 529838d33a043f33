import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestBlobName, readManifestBlob } from '../../../shared/restore/manifestStore';
import { postJson, startRestoreWorld, type RestoreWorld } from './helpers';

/**
 * Issue 22 (items 12 and 13) through the local host, Azurite and the ARM emulator: the manifest is
 * read before the backup's POST and again after it; a change in between is recorded; selection
 * prefers a backup with its manifest; a manifest difference after a restore fails a drill and is a
 * warning in a failover; a backup older than 7 days is restored with a warning.
 */

let w: RestoreWorld;
const DAY = 24 * 3_600_000;
const cart = { name: 'cart', path: 'cart' };

beforeAll(async () => {
  w = await startRestoreWorld(
    [
      {
        name: 'shop',
        sku: { name: 'Basic' },
        location: 'West Europe',
        configuration: { apis: [cart], products: [{ name: 'starter' }] },
      },
      { name: 'shop-standby', sku: { name: 'Basic' }, location: 'North Europe' },
      { name: 'shop-drill', sku: { name: 'Basic' }, location: 'North Europe' },
    ],
    [{ service: 'shop', standby: 'shop-standby', drillTargets: ['shop-drill'] }],
    { LIFEBOAT_BACKUP_RETENTION_DAYS: '30', LIFEBOAT_BACKUP_KEEP_NEWEST: '10' },
  );
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

interface BackupOut {
  outcome: string;
  blobName: string;
  manifest: {
    outcome: string;
    configChangedDuringBackup?: { differences: string[]; differenceCount: number };
  };
}

async function backup(): Promise<BackupOut> {
  expect((await postJson(w.host, '/api/backups', { services: ['shop'] })).status).toBe(202);
  const done = await w.host.waitForInstance('backup-shop', { timeoutMs: 60_000 });
  const out = done.output as BackupOut;
  expect(out.outcome).toBe('succeeded');
  return out;
}

interface RestoreOut {
  outcome: string;
  backup?: { name: string };
  error?: { code: string; message: string };
  warnings?: { code: string; message: string }[];
  verification?: { equal: boolean; differences: string[] };
}

async function restore(body: Record<string, unknown>): Promise<RestoreOut> {
  const started = await postJson(w.host, '/api/restores', { service: 'shop', ...body });
  expect(started.status).toBe(202);
  const done = await w.host.waitForInstance(started.json['instanceId'] as string, { timeoutMs: 60_000 });
  return done.output as RestoreOut;
}

describe('the manifest around a backup', () => {
  let changed: BackupOut;

  it('a configuration change while the backup runs is recorded configChangedDuringBackup, with the difference', async () => {
    // Just after the POST is accepted (the backup holds the configuration from before), an API is added.
    w.stack.arm.faults.inject({
      kind: 'changeConfigDuringBackup',
      change: { apis: [cart, { name: 'checkout', path: 'checkout' }] },
    });
    changed = await backup();
    const change = { differences: ["API 'checkout' was added during the backup"], differenceCount: 1 };
    expect(changed.manifest.configChangedDuringBackup).toEqual(change);

    // The manifest kept is the one from before the POST (what the backup holds), with the change on it.
    const manifest = await readManifestBlob(w.container, changed.blobName);
    expect(manifest.apis.map((a) => a.name)).toEqual(['cart']);
    expect(manifest.duringBackup).toEqual(change);
    // On the backup blob's metadata.
    const props = await w.container.getBlobClient(changed.blobName).getProperties();
    expect(props.metadata).toMatchObject({ verified: 'true', configchanged: 'true', configchanges: '1' });

    // And in GET /api/backups: the last run's difference and the newest verified backup's flag.
    const res = await w.host.fetch('/api/backups');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      services: {
        service: string;
        newestVerified: { name: string; configChangedDuringBackup?: { differenceCount: number } };
        lastRun: { configChangedDuringBackup: unknown };
      }[];
    };
    const shop = body.services.find((s) => s.service === 'shop')!;
    expect(shop.lastRun.configChangedDuringBackup).toEqual(change);
    expect(shop.newestVerified.name).toBe(changed.blobName);
    expect(shop.newestVerified.configChangedDuringBackup).toEqual({ differenceCount: 1 });
  });

  it('a backup without a change records none', async () => {
    w.clock.advance(3_600_000);
    const plain = await backup();
    expect(plain.manifest.configChangedDuringBackup).toBeUndefined();
    const props = await w.container.getBlobClient(plain.blobName).getProperties();
    expect(props.metadata?.['configchanged']).toBeUndefined();
    // The configuration the fault added is the service's now; both backups hold what they were given.
    expect((await readManifestBlob(w.container, plain.blobName)).apis.map((a) => a.name)).toEqual([
      'cart',
      'checkout',
    ]);
  });
});

describe('restores: selection and verification', () => {
  it('a newer backup without a manifest is passed over for the one with a manifest', async () => {
    w.clock.advance(3_600_000);
    const withManifest = await backup();
    w.clock.advance(3_600_000);
    const bare = await backup();
    await w.container.getBlobClient(manifestBlobName(bare.blobName)).delete();

    const out = await restore({ target: 'shop-drill', mode: 'drill' });
    expect(out.outcome).toBe('succeeded');
    expect(out.backup?.name).toBe(withManifest.blobName);
    expect(out.verification?.equal).toBe(true);
    expect(out.warnings).toBeUndefined();
  });

  it('a manifest difference after the restore fails a drill', async () => {
    w.stack.arm.faults.inject({ kind: 'dropApiOnRestore', api: 'checkout' });
    const out = await restore({ target: 'shop-drill', mode: 'drill' });
    expect(out.outcome).toBe('failed');
    expect(out.error?.code).toBe('VerificationFailed');
    expect(out.error?.message).toContain("API 'checkout' is missing from the target");
  });

  it('the same difference in a failover is a warning in the result: the restore succeeds', async () => {
    w.stack.arm.faults.inject({ kind: 'dropApiOnRestore', api: 'checkout' });
    const out = await restore({});
    expect(out.outcome).toBe('succeeded');
    expect(out.error).toBeUndefined();
    expect(out.verification?.equal).toBe(false);
    expect(out.warnings).toEqual([
      expect.objectContaining({
        code: 'VerificationFailed',
        message: expect.stringContaining("API 'checkout' is missing from the target") as unknown,
      }),
    ]);
  });

  it('a backup 8 days old is restored with a warning, not refused', async () => {
    w.clock.advance(8 * DAY);
    const out = await restore({ target: 'shop-drill', mode: 'drill' });
    expect(out.outcome).toBe('succeeded');
    expect(out.warnings?.map((x) => x.code)).toEqual(['BackupOlderThanGuarantee']);
    expect(out.warnings?.[0]?.message).toMatch(/^backup 'shop\/.+' is 8 days old: older than the 7 days/);
  });
});
