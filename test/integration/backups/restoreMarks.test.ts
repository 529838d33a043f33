import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeFunction, typedDataToJsonText } from '../../../local/host/invoke';
import { installCoreShim } from '../../../local/host/registry';
import type { MarkRestoreVerifiedInput, MarkRestoreVerifiedOutput } from '../../../shared/backups/contracts';
import { backupBlobName } from '../../../shared/backups/naming';
import type { ServiceBackupReport } from '../../../shared/backups/report';
import type { BackupRunResult } from '../../../shared/backups/run';
import { listBlobs, startBackupWorld, type BackupWorld } from './helpers';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const SUB = '00000000-0000-0000-0000-00000000c9c9';
const id = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-lifeboat/providers/Microsoft.ApiManagement/service/${name}`;
let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld(
    [
      {
        name: 'delta',
        subscriptionId: SUB,
        resourceGroup: 'rg-lifeboat',
        sku: { name: 'Developer' },
        location: 'West Europe',
      },
    ],
    {
      // delta has a drill target (the canary is on); epsilon has none (off, never flagged).
      LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
        { resourceId: id('delta'), drillTargetResourceIds: [id('delta-drill')] },
        { resourceId: id('epsilon') },
      ]),
      LIFEBOAT_BACKUP_RETENTION_DAYS: '7',
      LIFEBOAT_BACKUP_KEEP_NEWEST: '1',
      LIFEBOAT_RESTORE_VERIFIED_MAX_AGE_DAYS: '14',
    },
    { timers: false },
  );
});
afterAll(async () => {
  await w?.stop();
});

async function run(): Promise<BackupRunResult> {
  const res = await w.host.fetch('/api/backups', {
    method: 'POST',
    body: JSON.stringify({ services: ['delta'] }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(202);
  const done = await w.host.waitForInstance('backup-delta');
  expect(done.runtimeStatus).toBe('Completed');
  return done.output as BackupRunResult;
}

async function report(service: string): Promise<ServiceBackupReport> {
  const res = await w.host.fetch('/api/backups');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { services: ServiceBackupReport[] };
  return body.services.find((s) => s.service === service)!;
}

/**
 * Runs the registered `markRestoreVerified` activity as the local host's durable engine delivers
 * an activity an orchestration scheduled (same invocation path, JSON input, kit wrapper and input
 * schema); the restore orchestration that will call it is written separately.
 */
async function mark(input: MarkRestoreVerifiedInput): Promise<MarkRestoreVerifiedOutput> {
  const fn = w.host.host.functions.get('markrestoreverified');
  expect(fn?.trigger.type).toBe('activityTrigger');
  const response = await invokeFunction(installCoreShim(), fn!, { trigger: { json: JSON.stringify(input) } });
  return JSON.parse(typedDataToJsonText(response.returnValue)) as MarkRestoreVerifiedOutput;
}

describe('restore-verified marks (issue 9, "Restore canary")', () => {
  it('a backup marked restore-verified survives as the oldest of many expired backups, and GET shows it', async () => {
    const first = await run();
    expect(first.outcome).toBe('succeeded');
    const verifiedAt = new Date(w.clock.now().getTime() + HOUR);
    expect(
      await mark({
        blobName: first.blobName!,
        verifiedAt: verifiedAt.toISOString(),
        target: 'delta-drill',
        outcome: 'succeeded',
      }),
    ).toEqual({ recorded: true, restoreVerified: true });
    const onBlob = (await listBlobs(w.container)).find((b) => b.name === first.blobName)!;
    expect(onBlob.metadata).toMatchObject({
      verified: 'true',
      restoreverifiedat: verifiedAt.toISOString(),
      restoretarget: 'delta-drill',
      restoreoutcome: 'succeeded',
    });
    // Bad input is refused by the activity's schema, naming the field.
    await expect(
      mark({
        blobName: first.blobName!,
        verifiedAt: verifiedAt.toISOString(),
        target: 'x',
        outcome: 'ok' as never,
      }),
    ).rejects.toThrow(/outcome/);
    // An older attempt delivered late does not overwrite the newer result.
    expect(
      await mark({
        blobName: first.blobName!,
        verifiedAt: new Date(verifiedAt.getTime() - HOUR).toISOString(),
        target: 'delta-drill',
        outcome: 'failed',
      }),
    ).toEqual({ recorded: false, restoreVerified: true });

    // Twenty days on: eight verified backups between it and now, all past the 7-day retention, the
    // newest of them with a failed restore recorded on it (it does not count).
    w.clock.advance(20 * DAY);
    const expired: string[] = [];
    for (let d = 17; d >= 10; d--) {
      const name = backupBlobName('delta', new Date(w.clock.now().getTime() - d * DAY));
      await w.container.getBlockBlobClient(name).upload('backup', 6, { metadata: { verified: 'true' } });
      expired.push(name);
    }
    const failedOn = expired[expired.length - 1]!;
    const failedAt = new Date(w.clock.now().getTime() - 9 * DAY);
    expect(
      await mark({
        blobName: failedOn,
        verifiedAt: failedAt.toISOString(),
        target: 'delta-drill',
        outcome: 'failed',
      }),
    ).toEqual({ recorded: true, restoreVerified: false });

    // Before the next prune GET already shows the marks (the mark dropped the stale summary).
    const before = await report('delta');
    expect(before.lastRestoreVerification).toEqual({
      blobName: failedOn,
      at: failedAt.toISOString(),
      target: 'delta-drill',
      outcome: 'failed',
    });

    const next = await run();
    expect(next).toMatchObject({ outcome: 'succeeded', prune: { outcome: 'succeeded' } });
    const names = (await listBlobs(w.container)).map((b) => b.name).filter((n) => n.startsWith('delta/'));
    // Kept: the new backup (newest verified) and the restore-verified one, the oldest of all.
    expect(names.sort()).toEqual([first.blobName!, next.blobName!].sort());

    const r = await report('delta');
    expect(r.catalog?.source).toBe('summary');
    expect(r.lastRestoreVerification).toEqual({
      blobName: first.blobName,
      at: verifiedAt.toISOString(),
      target: 'delta-drill',
      outcome: 'succeeded',
    });
    // GET measures age from the wall clock, the world runs on a virtual one: compare with that.
    const firstTakenAt = new Date(first.takenAt!).getTime();
    expect(r.restoreVerification).toEqual({
      enabled: true,
      maxAgeDays: 14,
      stale: Date.now() - firstTakenAt > 14 * DAY,
    });
    // A service without a drill target has the canary off and is not flagged.
    const off = await report('epsilon');
    expect(off.restoreVerification).toEqual({ enabled: false });
    expect(off.lastRestoreVerification).toBeNull();
  });
});
