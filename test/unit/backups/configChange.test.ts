import { describe, expect, it } from 'vitest';
import { buildManifest, configChangeDuringBackup } from '../../../shared/apim/manifest';
import { configChangeOf } from '../../../shared/backups/report';
import { readsManifestBeforeBackup } from '../../../shared/backups/run';
import { manifestReportOf } from '../../../shared/backups/verdicts';

/** Issue 22: the manifest read before the backup's POST against the one read after it completed. */

const manifest = (apis: string[], products: string[] = ['starter']) =>
  buildManifest({
    apis: apis.map((name) => ({ name, apiRevision: '1', isCurrent: true })),
    products: products.map((name) => ({ name })),
    namedValues: [],
  });

describe('configuration change during a backup', () => {
  it('equal manifests: no change', () => {
    expect(configChangeDuringBackup(manifest(['orders']), manifest(['orders']))).toBeUndefined();
  });

  it('each difference in words, read from the backup side', () => {
    expect(configChangeDuringBackup(manifest(['orders']), manifest(['orders', 'billing'], []))).toEqual({
      differences: [
        "API 'billing' was added during the backup",
        "product 'starter' was deleted during the backup",
      ],
      differenceCount: 2,
    });
  });

  it('at most 50 sentences; the count counts all', () => {
    const many = Array.from({ length: 60 }, (_, i) => `api-${String(i).padStart(2, '0')}`);
    const change = configChangeDuringBackup(manifest([]), manifest(many));
    expect(change?.differenceCount).toBe(60);
    expect(change?.differences).toHaveLength(50);
  });

  it('the run report carries the change, or why it could not be told', () => {
    const counts = manifest([]).counts;
    const change = { differences: ["API 'x' was added during the backup"], differenceCount: 1 };
    expect(manifestReportOf({ blobName: 'm', counts, configChangedDuringBackup: change })).toEqual({
      outcome: 'succeeded',
      blobName: 'm',
      counts,
      configChangedDuringBackup: change,
    });
    expect(manifestReportOf({ blobName: 'm', counts })).toEqual({
      outcome: 'succeeded',
      blobName: 'm',
      counts,
    });
    const notChecked = manifestReportOf(
      { blobName: 'm', counts, changeChecked: false },
      { code: 'InternalServerError', message: 'boom' },
    );
    expect(notChecked.changeNotChecked).toEqual({
      code: 'InternalServerError',
      message:
        "the manifest was not read before the backup's POST (boom): a configuration change during the backup cannot be told",
    });
  });

  it('GET /api/backups reads the change from a run output it does not trust as typed', () => {
    expect(
      configChangeOf({
        manifest: { configChangedDuringBackup: { differences: ['a', 3], differenceCount: 2 } },
      }),
    ).toEqual({
      differences: ['a'],
      differenceCount: 2,
    });
    expect(configChangeOf({ manifest: { outcome: 'succeeded' } })).toBeNull();
    expect(configChangeOf(null)).toBeNull();
    expect(configChangeOf({ manifest: { configChangedDuringBackup: 'yes' } })).toBeNull();
  });
});

describe('which runs read the manifest before the POST (orchestration versions)', () => {
  it('2.1 and later do; runs started before keep the shape they started with', () => {
    for (const v of ['2.1', '2.1.0', '2.10', '3.0', '3']) expect(readsManifestBeforeBackup(v), v).toBe(true);
    for (const v of ['', undefined, '1.0', '2.0', '2', 'x.y'])
      expect(readsManifestBeforeBackup(v), String(v)).toBe(false);
  });
});
