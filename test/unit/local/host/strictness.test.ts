import { describe, expect, it } from 'vitest';
import { customStatusTooLarge, instanceIdProblem } from '../../../../local/host/durable/engine';

describe('customStatusTooLarge (the extension: UTF-16 bytes / 1024, truncated, at most 16)', () => {
  it('counts UTF-16 code units of the JSON, not UTF-8 bytes', () => {
    // 8703 code units of JSON pass whatever the characters; 8704 do not.
    expect(customStatusTooLarge('é'.repeat(8701))).toBeUndefined();
    expect(customStatusTooLarge('é'.repeat(8702))).toContain('The current payload size is 17 KB.');
  });

  it('measures the JSON of objects and formats sizes as .NET N0 does', () => {
    expect(customStatusTooLarge({ a: 'x'.repeat(8000) })).toBeUndefined();
    expect(customStatusTooLarge({ list: Array.from({ length: 100_000 }, () => 1234) })).toBe(
      'The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 976 KB.',
    );
    expect(customStatusTooLarge('x'.repeat(600_000))).toContain('payload size is 1,171 KB.');
  });
});

describe('instanceIdProblem (DurableClient.StartNewAsync)', () => {
  it('checks @ first, then characters, then length', () => {
    expect(instanceIdProblem('@a/b')).toContain('must not start with @');
    expect(instanceIdProblem(`${'a'.repeat(300)}#`)).toContain('must not contain');
    expect(instanceIdProblem('a'.repeat(257))).toBe('Instance ID lengths must not exceed 256 characters.');
  });

  it('refuses C0 and C1 control characters and accepts the rest', () => {
    expect(instanceIdProblem('a\u0000')).toBeDefined();
    expect(instanceIdProblem('a\u009f')).toBeDefined();
    expect(instanceIdProblem('a\u00a0')).toBeUndefined();
    expect(instanceIdProblem('backup:apim-prod_1.x@y')).toBeUndefined();
  });
});
