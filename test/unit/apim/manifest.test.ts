import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apiBaseName,
  buildManifest,
  compareManifests,
  configurationManifestSchema,
  describeDifference,
  type ManifestSource,
} from '../../../shared/apim/manifest';

const SOURCE: ManifestSource = {
  apis: [
    { name: 'orders;rev=1', apiRevision: '1', isCurrent: false },
    { name: 'orders', apiRevision: '2', isCurrent: true },
    { name: 'echo-api', apiRevision: '1', isCurrent: true },
  ],
  products: [{ name: 'starter' }, { name: 'unlimited' }],
  namedValues: [
    { name: 'backend-key', secret: true },
    { name: 'backend-url', secret: false },
  ],
};

describe('configuration manifest', () => {
  it('folds revisions into their API, sorts, counts and validates against its schema', () => {
    const m = buildManifest(SOURCE);
    expect(m).toEqual({
      v: 1,
      apis: [
        { name: 'echo-api', revisions: ['1'], currentRevision: '1' },
        { name: 'orders', revisions: ['1', '2'], currentRevision: '2' },
      ],
      products: ['starter', 'unlimited'],
      namedValues: [
        { name: 'backend-key', secret: true },
        { name: 'backend-url', secret: false },
      ],
      counts: { apis: 2, apiRevisions: 3, products: 2, namedValues: 2, secretNamedValues: 1 },
    });
    expect(configurationManifestSchema.parse(JSON.parse(JSON.stringify(m)))).toEqual(m);
    expect(apiBaseName('orders;rev=12')).toBe('orders');
  });

  it('never carries a value, even when the source items have one', () => {
    // The port's items carry no value; a caller passing richer objects still gets none in the manifest.
    const item = { name: 'backend-key', secret: true, value: 'hunter2' };
    const withValues: ManifestSource = { ...SOURCE, namedValues: [item] };
    expect(JSON.stringify(buildManifest(withValues))).not.toContain('hunter2');
    expect(() =>
      configurationManifestSchema.parse({
        ...buildManifest(SOURCE),
        namedValues: [{ name: 'x', secret: true, value: 'hunter2' }],
      }),
    ).toThrow();
  });

  it('lists every difference: missing/extra APIs, revisions, current revision, products, named values, secret flags', () => {
    const expected = buildManifest(SOURCE);
    const actual = buildManifest({
      apis: [
        { name: 'orders', apiRevision: '1', isCurrent: true },
        { name: 'orders;rev=3', apiRevision: '3', isCurrent: false },
        { name: 'payments', apiRevision: '1', isCurrent: true },
      ],
      products: [{ name: 'Starter' }, { name: 'gold' }],
      namedValues: [
        { name: 'backend-key', secret: false },
        { name: 'region', secret: false },
      ],
    });
    const result = compareManifests(expected, actual);
    expect(result.equal).toBe(false);
    expect(result.differences.map(describeDifference)).toEqual([
      "API 'echo-api' is missing from the target",
      "API 'orders' revision 2 is missing from the target",
      "API 'orders' revision 3 is on the target but not in the backup",
      "API 'orders' current revision is 1 on the target, 2 in the backup",
      "API 'payments' is on the target but not in the backup",
      "product 'gold' is on the target but not in the backup",
      "product 'unlimited' is missing from the target",
      "named value 'backend-key' is not secret on the target, secret in the backup",
      "named value 'backend-url' is missing from the target",
      "named value 'region' is on the target but not in the backup",
    ]);
  });

  const sourceArb = fc.record({
    apis: fc.uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
        apiRevision: fc.constantFrom('1', '2', '3'),
        isCurrent: fc.boolean(),
      }),
      { selector: (a) => `${a.name}|${a.apiRevision}`, maxLength: 12 },
    ),
    products: fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/) }), {
      selector: (p) => p.name,
      maxLength: 8,
    }),
    namedValues: fc.uniqueArray(
      fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9.]{0,8}$/), secret: fc.boolean() }),
      { selector: (nv) => nv.name, maxLength: 8 },
    ),
  });

  it('property: a manifest equals itself and does not depend on list order', () => {
    fc.assert(
      fc.property(sourceArb, fc.integer(), (source, seed) => {
        const shuffle = <T>(xs: readonly T[]) =>
          [...xs]
            .map((x, i) => ({ x, k: (i * 7919 + seed) % 101 }))
            .sort((a, b) => a.k - b.k)
            .map((e) => e.x);
        const a = buildManifest(source);
        const b = buildManifest({
          apis: shuffle(source.apis),
          products: shuffle(source.products),
          namedValues: shuffle(source.namedValues),
        });
        expect(compareManifests(a, b)).toEqual({ equal: true, differences: [] });
      }),
      { numRuns: 200 },
    );
  });

  it('property: dropping one API or flipping one secret flag is exactly one named difference', () => {
    fc.assert(
      fc.property(sourceArb, fc.nat(), (source, pick) => {
        const expected = buildManifest(source);
        if (expected.apis.length > 0) {
          const gone = expected.apis[pick % expected.apis.length]!.name;
          const actual = buildManifest({
            ...source,
            apis: source.apis.filter((a) => apiBaseName(a.name) !== gone),
          });
          expect(compareManifests(expected, actual).differences).toEqual([{ kind: 'missingApi', api: gone }]);
        }
        if (source.namedValues.length > 0) {
          const flip = source.namedValues[pick % source.namedValues.length]!;
          const actual = buildManifest({
            ...source,
            namedValues: source.namedValues.map((nv) => (nv === flip ? { ...nv, secret: !nv.secret } : nv)),
          });
          expect(compareManifests(expected, actual).differences).toEqual([
            { kind: 'secretChanged', namedValue: flip.name, expected: flip.secret, actual: !flip.secret },
          ]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
