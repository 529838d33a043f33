import { RestError } from '@azure/core-rest-pipeline';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyError, NonRetryableError } from '../../../shared/errors';
import { classifyStorageError, isConditionFailed, statusOf, storageErrorCode } from '../../../shared/storage';

const restError = (statusCode: number | undefined, code?: string) =>
  new RestError('https://acct.blob.core.windows.net/c/b?sig=SECRET failed', {
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(code === undefined ? {} : { code }),
  });

describe('classifyStorageError', () => {
  it('408, 409, 429, 5xx and no status are transient; other statuses are not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), (status) => {
        const expected = status === 408 || status === 409 || status === 429 || status >= 500;
        const classified = classifyStorageError(restError(status), 'reading x');
        expect(classifyError(classified)).toBe(expected ? 'transient' : 'nonRetryable');
      }),
    );
    expect(classifyError(classifyStorageError(restError(undefined), 'reading x'))).toBe('transient');
    expect(classifyError(classifyStorageError(new Error('socket hang up'), 'reading x'))).toBe('transient');
  });
  it('names what failed and the code, never the SDK message (it may carry a SAS URL)', () => {
    const e = classifyStorageError(
      restError(403, 'AuthorizationPermissionMismatch'),
      'plan store: reading locks/a.json',
    );
    expect(e.message).toContain('plan store: reading locks/a.json');
    expect(e.message).toContain('AuthorizationPermissionMismatch');
    expect(e.message).not.toContain('SECRET');
  });
  it('passes classified errors through', () => {
    const e = new NonRetryableError('bad', { code: 'X' });
    expect(classifyStorageError(e, 'y')).toBe(e);
  });
});

describe('statusOf and friends', () => {
  it('read the status and code of a failure, whatever threw it', () => {
    expect(statusOf(restError(412))).toBe(412);
    expect(statusOf({ statusCode: 503 })).toBe(503);
    expect(statusOf({ statusCode: '503' })).toBeUndefined();
    expect(statusOf(null)).toBeUndefined();
    expect(isConditionFailed(restError(412))).toBe(true);
    expect(isConditionFailed(restError(409))).toBe(true);
    expect(isConditionFailed(restError(404))).toBe(false);
    expect(storageErrorCode(restError(404, 'ContainerNotFound'))).toBe('ContainerNotFound');
    expect(storageErrorCode(restError(500))).toBe('Http500');
    expect(storageErrorCode(new TypeError('x'))).toBe('TypeError');
  });
});
