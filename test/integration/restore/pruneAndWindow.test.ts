import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, restorePosts, startRestoreWorld, type RestoreWorld } from './helpers';

/**
 * Issue 9, small gaps: pruning a backup takes its manifest with it, and the restore window's
 * safety margin is a setting (LIFEBOAT_RESTORE_WINDOW_MARGIN_HOURS).
 */

let w: RestoreWorld;
const DAY = 24 * 3_600_000;

beforeAll(async () => {
  w = await startRestoreWorld(
    [
      {
        name: 'shop',
        sku: { name: 'Basic' },
        location: 'West Europe',
        configuration: { apis: [{ name: 'cart', path: 'cart' }] },
      },
      { name: 'shop-standby', sku: { name: 'Basic' }, location: 'North Europe' },
    ],
    [{ service: 'shop', standby: 'shop-standby' }],
    {
      LIFEBOAT_BACKUP_RETENTION_DAYS: '1',
      LIFEBOAT_BACKUP_KEEP_NEWEST: '1',
      // 12.5 days: the window is 17.5 days, so an 18-day-old backup is outside it (the default 12
      // hours would take it).
      LIFEBOAT_RESTORE_WINDOW_MARGIN_HOURS: '300',
    },
  );
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

async function names(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of w.container.listBlobsFlat({ prefix })) out.push(b.name);
  return out;
}

async function backup(): Promise<string> {
  expect((await postJson(w.host, '/api/backups', { services: ['shop'] })).status).toBe(202);
  const done = await w.host.waitForInstance('backup-shop');
  const out = done.output as { outcome: string; blobName: string; prune?: { deleted: number } };
  expect(out.outcome).toBe('succeeded');
  return out.blobName;
}

describe('pruning and the restore window', () => {
  it('a pruned backup takes its manifest with it; the kept one keeps its own', async () => {
    const first = await backup();
    expect(await names('_manifests/shop/')).toEqual([`_manifests/${first}.json`]);
    w.clock.advance(2 * DAY);
    const second = await backup();
    expect(await names('shop/')).toEqual([second]);
    expect(await names('_manifests/shop/')).toEqual([`_manifests/${second}.json`]);
  });

  it('the safety margin comes from LIFEBOAT_RESTORE_WINDOW_MARGIN_HOURS', async () => {
    w.clock.advance(18 * DAY);
    const started = await postJson(w.host, '/api/restores', { service: 'shop' });
    expect(started.status).toBe(202);
    const done = await w.host.waitForInstance(started.json['instanceId'] as string, { timeoutMs: 60_000 });
    const out = done.output as { outcome: string; error?: { code: string; message: string } };
    expect(out.outcome).toBe('refused');
    expect(out.error?.code).toBe('BackupExpired');
    expect(out.error?.message).toBe(
      'newest verified backup is 18 days old (the restore window is 30 days less a 300-hour safety margin)',
    );
    expect(restorePosts(w.stack, 'shop-standby')).toBe(0);
  });
});
