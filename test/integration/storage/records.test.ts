import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { classifyError } from '../../../shared/errors';
import { recordStore, statusOf } from '../../../shared/storage';

let azurite: AzuriteHandle;
let service: BlobServiceClient;
let containers = 0;

beforeAll(async () => {
  azurite = await startAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
  await azurite?.stop();
});

/** A container no test has used (not created: the store creates it on its first write). */
const fresh = (): ContainerClient => service.getContainerClient(`records-${++containers}-${Date.now()}`);

const counterSchema = z.strictObject({ n: z.number().int().min(0), by: z.array(z.string()) });
type Counter = z.infer<typeof counterSchema>;

async function rawWrite(container: ContainerClient, name: string, text: string): Promise<void> {
  await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
}

describe('recordStore against Azurite', () => {
  it('reads nothing and lists nothing before the container exists, then creates it private on the first write', async () => {
    const container = fresh();
    const records = recordStore({ container, schema: counterSchema, label: 'test store' });
    expect(await records.read('a.json')).toBeUndefined();
    expect(await records.list('')).toEqual([]);
    const etag = await records.create('a.json', { n: 1, by: ['x'] });
    expect(etag).toMatch(/./);
    expect(await records.read('a.json')).toEqual({ value: { n: 1, by: ['x'] }, etag });
    expect((await container.getAccessPolicy()).blobPublicAccess).toBeUndefined();
  });

  it('create writes only when absent; replace only under the ETag read', async () => {
    const records = recordStore({ container: fresh(), schema: counterSchema });
    const first = await records.create('c.json', { n: 1, by: [] });
    expect(first).toBeDefined();
    expect(await records.create('c.json', { n: 99, by: [] })).toBeUndefined();
    const second = await records.replace('c.json', { n: 2, by: [] }, first!);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    // The first ETag is stale now: a writer that read before the replace loses.
    expect(await records.replace('c.json', { n: 3, by: [] }, first!)).toBeUndefined();
    expect((await records.read('c.json'))?.value).toEqual({ n: 2, by: [] });
  });

  it('a corrupt record is a non-retryable RecordCorrupt naming the blob, or reads as none when allowed', async () => {
    const container = fresh();
    const strict = recordStore({ container, schema: counterSchema, label: 'test store' });
    await strict.put('ok.json', { n: 0, by: [] });
    await rawWrite(container, 'not-json.json', '{"n": 1,');
    await rawWrite(container, 'wrong.json', JSON.stringify({ n: -1, by: [] }));
    for (const name of ['not-json.json', 'wrong.json']) {
      const error = await strict.read(name).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(classifyError(error)).toBe('nonRetryable');
      expect(error).toMatchObject({ code: 'RecordCorrupt' });
      expect((error as Error).message).toContain(`${container.containerName}/${name}`);
    }
    expect((await strict.read('wrong.json').catch((e: Error) => e.message)) as string).toContain('n:');

    const lenient = recordStore({ container, schema: counterSchema, corrupt: 'absent' });
    expect(await lenient.read('not-json.json')).toBeUndefined();
    // update sees none, and replaces the corrupt blob under its ETag.
    expect(await lenient.update('not-json.json', (c) => ({ n: (c?.n ?? 0) + 1, by: ['fix'] }))).toEqual({
      n: 1,
      by: ['fix'],
    });
    expect((await strict.read('not-json.json'))?.value).toEqual({ n: 1, by: ['fix'] });
  });

  it('concurrent updates never lose a change (property: k writers, k increments)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.boolean(), async (writers, existsBefore) => {
        const records = recordStore({ container: fresh(), schema: counterSchema });
        if (existsBefore) await records.create('counter.json', { n: 0, by: [] });
        const results = await Promise.all(
          Array.from({ length: writers }, (_, i) =>
            records.update(
              'counter.json',
              (c: Counter | undefined) => ({
                n: (c?.n ?? 0) + 1,
                by: [...(c?.by ?? []), `w${i}`],
              }),
              { attempts: 40 },
            ),
          ),
        );
        const final = (await records.read('counter.json'))?.value;
        expect(final?.n).toBe(writers);
        expect([...(final?.by ?? [])].sort()).toEqual(
          Array.from({ length: writers }, (_, i) => `w${i}`).sort(),
        );
        // Each writer saw its own change applied on top of all earlier ones.
        expect(results.map((r) => r?.n).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
          Array.from({ length: writers }, (_, i) => i + 1),
        );
      }),
      { numRuns: 6 },
    );
  });

  it('update returning undefined leaves the record; a record that keeps changing gives up, transient', async () => {
    const container = fresh();
    const records = recordStore({ container, schema: counterSchema, label: 'test store' });
    const etag = await records.create('busy.json', { n: 5, by: [] });
    expect(await records.update('busy.json', () => undefined)).toEqual({ n: 5, by: [] });
    expect((await records.read('busy.json'))?.etag).toBe(etag);

    // Another writer changes the blob between every read and write of this update.
    let attempts = 0;
    const error = await records
      .update(
        'busy.json',
        async (c) => {
          attempts++;
          await rawWrite(container, 'busy.json', JSON.stringify({ n: 100 + attempts, by: [] }));
          return { n: (c?.n ?? 0) + 1, by: [] };
        },
        { attempts: 3, backoffMs: () => 0 },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(classifyError(error)).toBe('transient');
    expect(error).toMatchObject({ code: 'RecordContended' });
    expect((error as Error).message).toContain('busy.json');
    expect(attempts).toBe(3);
    // The other writer's last change stands: the update never overwrote it.
    expect((await records.read('busy.json'))?.value).toEqual({ n: 103, by: [] });
  });

  it('remove deletes only under the ETag given; list finds names by prefix (the index)', async () => {
    const records = recordStore({ container: fresh(), schema: counterSchema });
    const day1 = ['decisions/2026-01-01/a.json', 'decisions/2026-01-01/b.json'];
    const day2 = ['decisions/2026-01-02/c.json'];
    for (const name of [...day1, ...day2]) await records.put(name, { n: 0, by: [] });
    expect(await records.list('decisions/2026-01-01/')).toEqual(day1);
    expect(await records.list('decisions/')).toEqual([...day1, ...day2]);

    const stale = (await records.read(day2[0]!))!.etag;
    await records.put(day2[0]!, { n: 1, by: [] });
    expect(await records.remove(day2[0]!, stale)).toBe(false);
    expect(await records.read(day2[0]!)).toBeDefined();
    expect(await records.remove(day2[0]!)).toBe(true);
    expect(await records.remove(day2[0]!)).toBe(false);
    expect(await records.list('decisions/2026-01-02/')).toEqual([]);
  });

  it('statusOf reads the status of a real storage failure; others have none', async () => {
    const error = await fresh()
      .getBlockBlobClient('x.json')
      .delete()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(statusOf(error)).toBe(404);
    expect(statusOf(new Error('plain'))).toBeUndefined();
    expect(statusOf(undefined)).toBeUndefined();
  });
});
