import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createService } from '../../../../local/arm/model';
import { containerNameProblem, validateBackupRestoreBody } from '../../../../local/arm/validation';

const service = createService(
  {
    name: 'apim1',
    identity: {
      systemAssigned: true,
      userAssigned: {
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua': {
          clientId: 'aaaaaaaa-0000-0000-0000-000000000001',
        },
      },
    },
  },
  new Date('2026-01-01T00:00:00Z'),
);
const base = { storageAccount: 'backups01', containerName: 'apim-backups', backupName: 'b1' };
const V = '2024-05-01';

function code(body: unknown, apiVersion = V): string | undefined {
  const r = validateBackupRestoreBody(body, service, apiVersion);
  return r.ok ? undefined : `${r.error.code}|${r.error.message.split('Parameter name: ')[1] ?? ''}`;
}

describe('validateBackupRestoreBody', () => {
  it('defaults accessType to AccessKey, which then needs accessKey', () => {
    expect(code(base)).toBe('InvalidParameters|accessKey');
    const ok = validateBackupRestoreBody({ ...base, accessKey: 'k' }, service, V);
    expect(ok.ok && ok.value.accessType).toBe('AccessKey');
  });

  it('requires storageAccount, containerName and backupName', () => {
    expect(code({ ...base, storageAccount: undefined, accessKey: 'k' })).toBe(
      'InvalidParameters|backupStorageAccount',
    );
    expect(code({ ...base, containerName: '', accessKey: 'k' })).toBe(
      'InvalidParameters|backupContainerName',
    );
    expect(code({ ...base, backupName: undefined, accessKey: 'k' })).toBe('InvalidParameters|backupName');
  });

  it('refuses an upper-case container name as the live service does', () => {
    expect(code({ ...base, containerName: 'backupContainer', accessKey: 'k' })).toBe(
      'InvalidParameters|backupContainerName',
    );
  });

  it('accessKey only with AccessKey; clientId only with UserAssigned and attached', () => {
    expect(code({ ...base, accessType: 'SystemAssignedManagedIdentity', accessKey: 'k' })).toBe(
      'InvalidParameters|accessKey',
    );
    expect(code({ ...base, accessType: 'SystemAssignedManagedIdentity' })).toBeUndefined();
    expect(
      code({
        ...base,
        accessType: 'SystemAssignedManagedIdentity',
        clientId: 'aaaaaaaa-0000-0000-0000-000000000001',
      }),
    ).toBe('InvalidParameters|clientId');
    expect(code({ ...base, accessType: 'UserAssignedManagedIdentity' })).toBe('InvalidParameters|clientId');
    expect(
      code({
        ...base,
        accessType: 'UserAssignedManagedIdentity',
        clientId: 'bbbbbbbb-0000-0000-0000-000000000002',
      }),
    ).toBe('InvalidParameters|clientId');
    expect(
      code({
        ...base,
        accessType: 'UserAssignedManagedIdentity',
        clientId: 'AAAAAAAA-0000-0000-0000-000000000001',
      }),
    ).toBeUndefined();
    expect(code({ ...base, accessKey: 'k', clientId: 'aaaaaaaa-0000-0000-0000-000000000001' })).toBe(
      'InvalidParameters|clientId',
    );
  });

  it('refuses managed identity before api-version 2021-04-01-preview and unknown access types', () => {
    expect(code({ ...base, accessType: 'SystemAssignedManagedIdentity' }, '2020-12-01')).toBe(
      'InvalidParameters|accessType',
    );
    expect(code({ ...base, accessType: 'Sas' })).toBe('InvalidParameters|accessType');
  });

  it('refuses non-object bodies and non-string fields as undeserialisable', () => {
    expect(code(undefined)).toBe('InvalidRequestContent|');
    expect(code([])).toBe('InvalidRequestContent|');
    expect(code({ ...base, backupName: 7 })).toBe('InvalidRequestContent|');
  });
});

describe('containerNameProblem', () => {
  it('accepts exactly the Azure Storage container names', () => {
    const valid = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.'), minLength: 0, maxLength: 70 }),
        (name) => {
          expect(containerNameProblem(name) === undefined).toBe(valid.test(name));
        },
      ),
    );
  });
});
