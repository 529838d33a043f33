import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { classifyApimError, parseRetryAfterMs } from '../../../shared/apim/errors';
import { classifyError } from '../../../shared/errors';

function restError(
  status: number,
  code: string | undefined,
  headers: Record<string, string> = {},
): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
  return new RestError(`message for ${code ?? status}`, {
    statusCode: status,
    ...(code === undefined ? {} : { code }),
    request,
    response: { status, headers: createHttpHeaders(headers), request },
  });
}

const NOW = new Date('2026-01-01T00:00:00Z');

describe('classifyApimError', () => {
  it.each([408, 409, 429, 500, 502, 503, 504])('HTTP %i is transient', (status) => {
    const e = classifyApimError(restError(status, 'SomeCode'), 'Backup of x', NOW);
    expect(e.name).toBe('TransientError');
    expect(e.code).toBe('SomeCode');
    expect(classifyError(e.message)).toBe('transient');
  });

  it.each([400, 401, 403, 404, 405])('HTTP %i is terminal', (status) => {
    const e = classifyApimError(restError(status, 'RestoreFailed'), 'Restore of x', NOW);
    expect(e.name).toBe('NonRetryableError');
    expect(e.code).toBe('RestoreFailed');
    expect(classifyError(e.message)).toBe('nonRetryable');
  });

  it('keeps 409 ServiceLocked with its Retry-After', () => {
    const e = classifyApimError(restError(409, 'ServiceLocked', { 'retry-after': '30' }), 'Backup of x', NOW);
    expect(e).toMatchObject({ name: 'TransientError', code: 'ServiceLocked', retryAfterMs: 30_000 });
    expect(e.message).toContain('HTTP 409 ServiceLocked');
  });

  it('a network failure (no status) is transient', () => {
    const e = classifyApimError(
      new RestError('connect ECONNREFUSED', { code: 'REQUEST_SEND_ERROR' }),
      'Reading x',
      NOW,
    );
    expect(e).toMatchObject({ name: 'TransientError', code: 'REQUEST_SEND_ERROR' });
  });

  it('an error that is not a failed request (SDK validation, no credential) is terminal', () => {
    const e = classifyApimError(
      new Error('serviceName with value "-x" should satisfy the constraint "Pattern"'),
      'Backup of x',
      NOW,
    );
    expect(e).toMatchObject({ name: 'NonRetryableError', code: 'UnexpectedError' });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyApimError(reset, 'x', NOW)).toMatchObject({ name: 'TransientError', code: 'ECONNRESET' });
  });

  it('without an ARM code, the status becomes the code', () => {
    expect(classifyApimError(restError(502, undefined), 'x', NOW).code).toBe('Http502');
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds and HTTP dates relative to now', () => {
    expect(parseRetryAfterMs('60', NOW)).toBe(60_000);
    expect(parseRetryAfterMs('0', NOW)).toBe(0);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', NOW)).toBe(10_000);
    expect(parseRetryAfterMs(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
  });
});
