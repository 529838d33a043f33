import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backupBlobName,
  parseBackupBlobName,
  parseStamp,
  servicePrefix,
} from '../../../shared/backups/naming';

const serviceName = fc.stringMatching(/^[a-zA-Z](?:[a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?$/);
const second = fc
  .integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 })
  .map((s) => new Date(s * 1000));

describe('backup blob names', () => {
  it('names the service twice and the UTC time to the second', () => {
    expect(backupBlobName('Contoso-Apim', new Date('2026-03-04T05:06:07.890Z'))).toBe(
      'contoso-apim/contoso-apim-20260304T050607Z.apimbackup',
    );
  });

  it('round-trips through parse for any service and time', () => {
    fc.assert(
      fc.property(serviceName, second, (name, at) => {
        const parsed = parseBackupBlobName(backupBlobName(name, at));
        expect(parsed).toEqual({ serviceName: name.toLowerCase(), takenAt: at });
      }),
    );
  });

  it('sorts by time: lexicographic order of names equals time order', () => {
    fc.assert(
      fc.property(serviceName, second, second, (name, a, b) => {
        const na = backupBlobName(name, a);
        const nb = backupBlobName(name, b);
        expect(na < nb ? -1 : na > nb ? 1 : 0).toBe(Math.sign(a.getTime() - b.getTime()));
      }),
    );
  });

  it('lives under the service prefix', () => {
    expect(backupBlobName('Svc', new Date('2026-01-01T00:00:00Z')).startsWith(servicePrefix('SVC'))).toBe(
      true,
    );
  });

  it.each([
    'svc/other-20260101T000000Z.apimbackup',
    'svc/svc-20260230T000000Z.apimbackup',
    'svc/svc-20260101T000000Z.bak',
    'svc-20260101T000000Z.apimbackup',
    'svc/nested/svc-20260101T000000Z.apimbackup',
    'SVC/SVC-20260101T000000Z.apimbackup',
  ])('refuses a name Lifeboat did not write: %s', (name) => {
    expect(parseBackupBlobName(name)).toBeUndefined();
  });

  it('refuses impossible stamps', () => {
    expect(parseStamp('20260101T246000Z')).toBeUndefined();
    expect(parseStamp('20260101T000000Z')).toEqual(new Date('2026-01-01T00:00:00Z'));
  });
});
