import { describe, expect, it } from 'vitest';
import { compareVersions, versionMismatch } from '../../../../local/host/durable/versioning';

describe('orchestration version comparison', () => {
  it('orders empty first, numeric versions by number, others as text', () => {
    expect(compareVersions('', '1.0')).toBeLessThan(0);
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0', '2.0')).toBe(0);
    expect(compareVersions('1.0', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('beta', 'alpha')).toBeGreaterThan(0);
  });

  it('applies the match strategies against the worker version', () => {
    const w = (match: 'None' | 'Strict' | 'CurrentOrOlder') => ({
      defaultVersion: '2.0',
      match,
      failure: 'Reject' as const,
    });
    expect(versionMismatch('1.0', w('CurrentOrOlder'))).toBeUndefined();
    expect(versionMismatch('', w('CurrentOrOlder'))).toBeUndefined();
    expect(versionMismatch('3.0', w('CurrentOrOlder'))).toMatch(/greater than the worker version '2.0'/);
    expect(versionMismatch('1.0', w('Strict'))).toMatch(/does not match/);
    expect(versionMismatch('3.0', w('None'))).toBeUndefined();
    expect(versionMismatch('3.0', { defaultVersion: '', match: 'Strict', failure: 'Fail' })).toBeUndefined();
  });
});
