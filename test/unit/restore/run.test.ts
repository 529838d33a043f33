import { describe, expect, it } from 'vitest';
import {
  buildRestoreInput,
  resolveTarget,
  restoreInstanceId,
  restoreRunInputSchema,
} from '../../../shared/restore/run';

const base =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service';
const service = {
  serviceName: 'prod',
  resourceId: `${base}/prod`,
  standby: { serviceName: 'prod-standby', resourceId: `${base}/prod-standby` },
  drillTargets: [{ serviceName: 'prod-drill', resourceId: `${base}/prod-drill` }],
  allowRestoreOverPrimary: false,
};

describe('resolveTarget', () => {
  it('standby by default and by word, drill targets and the primary by name, ids as given', () => {
    expect(resolveTarget(service, undefined)).toEqual({ ok: true, resourceId: `${base}/prod-standby` });
    expect(resolveTarget(service, ' Standby ')).toEqual({ ok: true, resourceId: `${base}/prod-standby` });
    expect(resolveTarget(service, 'PROD-DRILL')).toEqual({ ok: true, resourceId: `${base}/prod-drill` });
    expect(resolveTarget(service, 'prod')).toEqual({ ok: true, resourceId: `${base}/prod` });
    expect(resolveTarget(service, `${base.toUpperCase()}/X/`)).toEqual({
      ok: true,
      resourceId: `${base.toUpperCase()}/X/`,
    });
  });
  it('refuses a name that is not configured, and standby when there is none', () => {
    expect(resolveTarget(service, 'elsewhere')).toMatchObject({ ok: false });
    expect(resolveTarget({ ...service, standby: undefined }, 'standby')).toEqual({
      ok: false,
      message: 'prod has no standby configured',
    });
  });
});

describe('restoreInstanceId', () => {
  it('is the same for every spelling of one target and differs between targets', () => {
    const id = restoreInstanceId(`${base}/prod-standby`);
    expect(id).toMatch(/^restore-prod-standby-[0-9a-f]{8}$/);
    for (const spelling of [
      `${base}/prod-standby/`,
      ` ${base.toUpperCase()}/PROD-STANDBY `,
      `${base.replace('/providers/', '//Providers/')}/prod-standby`,
      `${base.slice(1)}/prod-standby`,
    ])
      expect(restoreInstanceId(spelling)).toBe(id);
    expect(restoreInstanceId(`${base}/prod-drill`)).not.toBe(id);
    expect(restoreInstanceId(`${base.replace('/rg/', '/rg2/')}/prod-standby`)).not.toBe(id);
  });
});

describe('buildRestoreInput', () => {
  it('carries the service targets and the settings in milliseconds, and passes its own schema', () => {
    const input = buildRestoreInput(
      service,
      { targetResourceId: `${base}/prod-drill`, backup: 'latest', mode: 'drill' },
      {
        timeoutMinutes: 180,
        pollDefaultSeconds: 60,
        retryBudget: 8,
        retryBaseSeconds: 60,
        smokeCheck: false,
      },
    );
    expect(input).toMatchObject({
      serviceName: 'prod',
      service: {
        resourceId: `${base}/prod`,
        standbyResourceId: `${base}/prod-standby`,
        drillTargetResourceIds: [`${base}/prod-drill`],
        allowRestoreOverPrimary: false,
      },
      timeoutMs: 180 * 60_000,
      pollDefaultMs: 60_000,
      retryBaseMs: 60_000,
      smokeCheck: false,
    });
    expect(restoreRunInputSchema.parse(input)).toEqual(input);
  });
});
