import { describe, expect, it } from 'vitest';
import { accountNameFromUri, resolveBackupStorage } from '../../../shared/backups/connection';

const cs =
  'DefaultEndpointsProtocol=https;AccountName=lifeboatbk;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net';

describe('backup storage connection', () => {
  it('prefers the identity-based BackupStorage__blobServiceUri', () => {
    const c = resolveBackupStorage({
      BackupStorage__blobServiceUri: 'https://acct1.blob.core.windows.net/',
      BackupStorage__clientId: 'cid',
      AzureWebJobsStorage: cs,
    });
    expect(c).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://acct1.blob.core.windows.net',
      clientId: 'cid',
      accountName: 'acct1',
      setting: 'BackupStorage__blobServiceUri',
    });
  });
  it('falls back from BackupStorage to AzureWebJobsStorage and reads the account name', () => {
    expect(
      resolveBackupStorage({ BackupStorage: cs, AzureWebJobsStorage: 'UseDevelopmentStorage=true' }),
    ).toMatchObject({ accountName: 'lifeboatbk', setting: 'BackupStorage' });
    expect(resolveBackupStorage({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toMatchObject({
      accountName: 'devstoreaccount1',
      setting: 'AzureWebJobsStorage',
    });
  });
  it('accepts identity-based accountName forms, for BackupStorage and the AzureWebJobsStorage fallback', () => {
    expect(resolveBackupStorage({ AzureWebJobsStorage__accountName: 'appstore1' })).toMatchObject({
      kind: 'identity',
      blobServiceUri: 'https://appstore1.blob.core.windows.net',
      accountName: 'appstore1',
    });
    expect(
      resolveBackupStorage({ BackupStorage__accountName: 'bk1', AzureWebJobsStorage: cs }),
    ).toMatchObject({ accountName: 'bk1' });
    expect(() => resolveBackupStorage({ BackupStorage__accountName: 'Bad_Name' })).toThrow(
      /BackupStorage__accountName: must be a storage account name/,
    );
  });

  it('reads path-style emulator URIs', () => {
    expect(accountNameFromUri('http://127.0.0.1:10000/devstoreaccount1')).toBe('devstoreaccount1');
  });
  it('names the missing or bad setting without echoing its value', () => {
    expect(() => resolveBackupStorage({})).toThrow(/BackupStorage: no backup storage connection/);
    let message = '';
    try {
      resolveBackupStorage({ BackupStorage: 'AccountKey=topsecret;Foo=bar' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('BackupStorage: must be a storage connection string');
    expect(message).not.toContain('topsecret');
  });
});
