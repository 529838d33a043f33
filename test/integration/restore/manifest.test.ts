import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifestBlob, manifestBlobName } from '../../../shared/restore/manifestStore';
import { startBackupWorld, listBlobs, type BackupWorld } from '../backups/helpers';

let w: BackupWorld;

const configuration = {
  apis: [
    { name: 'orders', path: 'orders' },
    { name: 'orders;rev=2', path: 'orders', apiRevision: '2', isCurrent: false },
    { name: 'billing', path: 'billing' },
  ],
  products: [{ name: 'starter' }, { name: 'unlimited' }],
  namedValues: [
    { name: 'backend-url', value: 'https://backend.example' },
    { name: 'backend-key', value: 'SUPER-SECRET-VALUE', secret: true },
  ],
};

beforeAll(async () => {
  w = await startBackupWorld([
    { name: 'alpha', sku: { name: 'Developer' }, location: 'West Europe', configuration },
  ]);
});
afterAll(async () => {
  await w?.stop();
});

async function backUp(): Promise<Record<string, unknown>> {
  const res = await w.host.fetch('/api/backups', {
    method: 'POST',
    body: JSON.stringify({ services: ['alpha'] }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(202);
  const done = await w.host.waitForInstance('backup-alpha');
  expect(done.runtimeStatus).toBe('Completed');
  return done.output as Record<string, unknown>;
}

describe('the manifest beside each backup', () => {
  it('a verified backup gets its manifest (names, revisions, secret flags, counts; no values), outside the backup listing', async () => {
    const out = (await backUp()) as {
      outcome: string;
      blobName: string;
      manifest: { outcome: string; blobName: string; counts: Record<string, number> };
    };
    expect(out.outcome).toBe('succeeded');
    expect(out.manifest).toEqual({
      outcome: 'succeeded',
      blobName: manifestBlobName(out.blobName),
      counts: { apis: 2, apiRevisions: 3, products: 2, namedValues: 2, secretNamedValues: 1 },
    });
    const manifest = await readManifestBlob(w.container, out.blobName);
    expect(manifest.apis).toEqual([
      { name: 'billing', revisions: ['1'], currentRevision: '1' },
      { name: 'orders', revisions: ['1', '2'], currentRevision: '1' },
    ]);
    expect(manifest.products).toEqual(['starter', 'unlimited']);
    expect(manifest.namedValues).toEqual([
      { name: 'backend-key', secret: true },
      { name: 'backend-url', secret: false },
    ]);
    const blobs = await listBlobs(w.container);
    const text = (
      await w.container.getBlobClient(manifestBlobName(out.blobName)).downloadToBuffer()
    ).toString();
    expect(text).not.toContain('SUPER-SECRET-VALUE');
    expect(text).not.toContain('backend.example');
    // The backup folder holds the backup only: listings and prune counts never see the manifest.
    expect(blobs.filter((b) => b.name.startsWith('alpha/')).map((b) => b.name)).toEqual([out.blobName]);
  });

  it('a manifest that cannot be read is reported in the output and does not fail the verified backup', async () => {
    w.clock.advance(60 * 60_000);
    // Every list operation fails (500) for longer than the manifest step's own small budget.
    w.stack.arm.faults.inject(
      { kind: 'http', status: 500, code: 'InternalServerError' },
      { times: 1000, on: 'list' },
    );
    try {
      const out = (await backUp()) as {
        outcome: string;
        sizeBytes: number;
        manifest: { outcome: string; error: { code: string } };
      };
      expect(out.outcome).toBe('succeeded');
      expect(out.sizeBytes).toBeGreaterThan(0);
      expect(out.manifest.outcome).toBe('failed');
      expect(out.manifest.error.code).toBeTruthy();
    } finally {
      w.stack.arm.faults.clear();
    }
  });
});
