import { describe, expect, it } from 'vitest';
import { edgePatternMatches, pickOrigin, type EdgeOrigin } from '../../../../local/arm/edge';

/** The emulated Front Door edge's choice of origin (local/arm/edge.ts): what the edge has deployed decides. */
const o = (
  name: string,
  enabledState: 'Enabled' | 'Disabled',
  priority: number,
  weight = 1000,
): EdgeOrigin => ({
  name,
  hostName: `${name}.example`,
  httpsPort: 443,
  originHostHeader: `${name}.example`,
  edge: { enabledState, priority, weight },
});

describe('pickOrigin', () => {
  it('takes the enabled origin with the lowest priority value', () => {
    expect(pickOrigin([o('primary', 'Enabled', 2), o('standby', 'Enabled', 1)])?.name).toBe('standby');
    expect(pickOrigin([o('primary', 'Disabled', 1), o('standby', 'Enabled', 2)])?.name).toBe('standby');
  });

  it('breaks a priority tie by weight, then by name (deterministic where Azure spreads)', () => {
    expect(pickOrigin([o('a', 'Enabled', 1, 10), o('b', 'Enabled', 1, 500)])?.name).toBe('b');
    expect(pickOrigin([o('b', 'Enabled', 1), o('a', 'Enabled', 1)])?.name).toBe('a');
  });

  it('is undefined when no origin is enabled', () => {
    expect(pickOrigin([o('primary', 'Disabled', 1)])).toBeUndefined();
  });
});

describe('edgePatternMatches', () => {
  it('matches everything, a prefix, or the path itself (case-insensitive)', () => {
    expect(edgePatternMatches('/*', '/anything')).toBe(true);
    expect(edgePatternMatches('/API/*', '/api/orders')).toBe(true);
    expect(edgePatternMatches('/api/*', '/status-0123456789abcdef')).toBe(false);
    expect(edgePatternMatches('/status-0123456789abcdef', '/status-0123456789abcdef')).toBe(true);
  });
});
