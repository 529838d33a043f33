import { describe, expect, it } from 'vitest';
import { classifyError, errorMessage, NonRetryableError, TransientError } from '../../../shared/errors';

describe('error taxonomy', () => {
  it('classifies thrown errors by name', () => {
    expect(classifyError(new NonRetryableError('bad tier', { code: 'UnsupportedTier' }))).toBe(
      'nonRetryable',
    );
    expect(classifyError(new TransientError('locked', { retryAfterMs: 5000 }))).toBe('transient');
    expect(classifyError(new Error('boom'))).toBe('unknown');
  });

  it('classifies errors that crossed the durable boundary as text', () => {
    // Durable Functions reports activity failures as "Activity function 'x' failed: <message>".
    const crossed = `Activity function 'beginApimBackup' failed: ${new TransientError('ServiceLocked').message}`;
    expect(classifyError(crossed)).toBe('transient');
    expect(
      classifyError(new Error(`Activity function 'x' failed: ${new NonRetryableError('no').message}`)),
    ).toBe('nonRetryable');
  });

  it('keeps code and retry hint', () => {
    const e = new TransientError('throttled', { code: 'ServerBusy', retryAfterMs: 1200 });
    expect(e.code).toBe('ServerBusy');
    expect(e.retryAfterMs).toBe(1200);
    expect(e.name).toBe('TransientError');
    expect(errorMessage(e)).toContain('throttled');
    expect(errorMessage({ a: 1 })).toBe('{"a":1}');
  });
});
