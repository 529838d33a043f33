import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseResourceId } from '../../../shared/azure/resourceId';
import { decideRestoreTarget, type RestoreTargets } from '../../../shared/restore/target';

const SUB = '00000000-0000-0000-0000-00000000000a';
const id = (name: string, rg = 'rg-dr') =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`;
const PRIMARY = id('contoso-apim');
const STANDBY = id('contoso-apim-standby');
const DRILL = id('contoso-apim-drill');

const service = (extra: Partial<RestoreTargets> = {}): RestoreTargets => ({
  resourceId: PRIMARY,
  standbyResourceId: STANDBY,
  drillTargetResourceIds: [DRILL],
  ...extra,
});

/** Every way an operator or an alert might spell the same id: case, slashes, whitespace. */
function spelling(resourceId: string) {
  return fc
    .record({
      flips: fc.array(fc.boolean(), { minLength: resourceId.length, maxLength: resourceId.length }),
      trailing: fc.constantFrom('', '/', '//'),
      before: fc.constantFrom('', ' ', '\t', '\n '),
      after: fc.constantFrom('', ' ', '\r\n'),
      doubled: fc.boolean(),
    })
    .map(({ flips, trailing, before, after, doubled }) => {
      const cased = [...resourceId].map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join('');
      const slashes = doubled ? cased.replace('/providers/', '//providers/') : cased;
      return `${before}${slashes}${trailing}${after}`;
    });
}

describe('restore target rules', () => {
  it('normalises case, trailing and repeated slashes, whitespace and the providers segment', () => {
    expect(normaliseResourceId(`  ${PRIMARY.replace('providers', 'PROVIDERS')}/ `)).toBe(
      PRIMARY.toLowerCase(),
    );
    expect(normaliseResourceId(PRIMARY.replace('/providers', '//Providers'))).toBe(PRIMARY.toLowerCase());
  });

  it('property: a drill never restores over the primary, however the id is spelled, even when listed as a drill target', () => {
    fc.assert(
      fc.property(spelling(PRIMARY), fc.boolean(), (target, optIn) => {
        const d = decideRestoreTarget(
          service({ allowRestoreOverPrimary: optIn, drillTargetResourceIds: [DRILL, PRIMARY] }),
          target,
          'drill',
        );
        expect(d).toMatchObject({ ok: false, code: 'PrimaryInDrill' });
      }),
      { numRuns: 200 },
    );
  });

  it('property: a failover restores over the primary only with the opt-in', () => {
    fc.assert(
      fc.property(spelling(PRIMARY), (target) => {
        expect(decideRestoreTarget(service(), target, 'failover')).toMatchObject({
          ok: false,
          code: 'PrimaryNotAllowed',
        });
        expect(
          decideRestoreTarget(service({ allowRestoreOverPrimary: false }), target, 'failover'),
        ).toMatchObject({
          ok: false,
          code: 'PrimaryNotAllowed',
        });
        expect(decideRestoreTarget(service({ allowRestoreOverPrimary: true }), target, 'failover')).toEqual({
          ok: true,
          role: 'primary',
          resourceId: PRIMARY,
        });
      }),
      { numRuns: 100 },
    );
  });

  it('property: the standby and the drill targets are accepted in every spelling, in both modes', () => {
    fc.assert(
      fc.property(
        spelling(STANDBY),
        spelling(DRILL),
        fc.constantFrom('failover', 'drill' as const),
        (s, d, mode) => {
          expect(decideRestoreTarget(service(), s, mode)).toEqual({
            ok: true,
            role: 'standby',
            resourceId: STANDBY,
          });
          expect(decideRestoreTarget(service(), d, mode)).toEqual({
            ok: true,
            role: 'drillTarget',
            resourceId: DRILL,
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: any other service is refused, naming the target and the protected service', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
    fc.assert(
      fc.property(name, fc.constantFrom('failover', 'drill' as const), (n, mode) => {
        fc.pre(![PRIMARY, STANDBY, DRILL].some((x) => normaliseResourceId(x) === normaliseResourceId(id(n))));
        const d = decideRestoreTarget(service({ allowRestoreOverPrimary: true }), id(n), mode);
        expect(d).toMatchObject({ ok: false, code: 'TargetNotAllowed' });
        if (!d.ok) expect(d.message).toBe(`${id(n)} is neither the standby nor a drill target of ${PRIMARY}`);
      }),
      { numRuns: 100 },
    );
  });

  it('a service of the same name in another resource group is another service', () => {
    expect(decideRestoreTarget(service(), id('contoso-apim-standby', 'rg-other'), 'failover')).toMatchObject({
      ok: false,
      code: 'TargetNotAllowed',
    });
  });

  it('without a standby or drill targets, nothing but an opted-in primary qualifies', () => {
    const bare: RestoreTargets = { resourceId: PRIMARY };
    expect(decideRestoreTarget(bare, STANDBY, 'failover')).toMatchObject({
      ok: false,
      code: 'TargetNotAllowed',
    });
    expect(decideRestoreTarget(bare, DRILL, 'drill')).toMatchObject({ ok: false, code: 'TargetNotAllowed' });
    expect(decideRestoreTarget(bare, PRIMARY, 'failover')).toMatchObject({
      ok: false,
      code: 'PrimaryNotAllowed',
      message: expect.stringContaining('allowRestoreOverPrimary') as string,
    });
  });
});
