import { describe, expect, it } from 'vitest';
import { orphanManifests } from '../../../shared/backups/prune';

describe('orphanManifests', () => {
  const a = 'shop/shop-20260101T000000Z.apimbackup';
  const b = 'shop/shop-20260102T000000Z.apimbackup';
  it('names the manifests whose backup blob is gone, and only those', () => {
    expect(orphanManifests([`_manifests/${a}.json`, `_manifests/${b}.json`], [b])).toEqual([
      `_manifests/${a}.json`,
    ]);
    expect(orphanManifests([`_manifests/${a}.json`], [a])).toEqual([]);
    expect(orphanManifests([`_manifests/${a}.json`, `_manifests/${b}.json`], [])).toHaveLength(2);
  });
  it('leaves alone what is not a manifest of the folder', () => {
    expect(orphanManifests([`_operations/${a}.json`, `_manifests/${a}`, a], [])).toEqual([]);
  });
});
