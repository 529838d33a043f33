import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';

const SUB = '00000000-0000-0000-0000-000000000001';
const id = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-dr/providers/Microsoft.ApiManagement/service/${name}`;
const services = (...ids: string[]) => JSON.stringify(ids.map((resourceId) => ({ resourceId })));

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect((error as Error).name).toBe('NonRetryableError');
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('backup configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ LIFEBOAT_PROTECTED_SERVICES: services(id('apim-prod')) }).backup;
    expect(c).toMatchObject({
      container: 'apim-backups',
      accessType: 'SystemAssignedManagedIdentity',
      schedule: '0 0 */6 * * *',
      retentionDays: 7,
      keepNewest: 3,
    });
    expect(c.services[0]).toMatchObject({
      serviceName: 'apim-prod',
      subscriptionId: SUB,
      resourceGroup: 'rg-dr',
    });
  });

  it('property: retention is accepted exactly from 1 to 30 days', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 200 }), (days) => {
        const env = { LIFEBOAT_BACKUP_RETENTION_DAYS: String(days) };
        if (days >= 1 && days <= 30) expect(loadConfig(env).backup.retentionDays).toBe(days);
        else expect(problems(env)).toMatch(/LIFEBOAT_BACKUP_RETENTION_DAYS: must be at (least 1|most 30)/);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['31', /LIFEBOAT_BACKUP_RETENTION_DAYS: must be at most 30/],
    ['0', /LIFEBOAT_BACKUP_RETENTION_DAYS: must be at least 1/],
    ['7.5', /LIFEBOAT_BACKUP_RETENTION_DAYS: must be a whole number/],
    ['seven', /LIFEBOAT_BACKUP_RETENTION_DAYS: must be a whole number/],
  ])('retention %s is refused clearly', (value, message) => {
    expect(problems({ LIFEBOAT_BACKUP_RETENTION_DAYS: value })).toMatch(message);
  });

  it.each([
    [
      '/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x',
      /subscription id must be a GUID/,
    ],
    [
      '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/x',
      /must be an API Management ARM id/,
    ],
    [id('-bad'), /service name must be/],
    [id('a'.repeat(51)), /service name must be/],
  ])('a malformed resource id names the entry: %s', (resourceId, message) => {
    const text = problems({ LIFEBOAT_PROTECTED_SERVICES: services(resourceId) });
    expect(text).toMatch(/LIFEBOAT_PROTECTED_SERVICES \(at 0\.resourceId\)/);
    expect(text).toMatch(message);
  });

  it('refuses a service listed twice, bad JSON and unknown keys', () => {
    expect(problems({ LIFEBOAT_PROTECTED_SERVICES: services(id('a1'), id('A1')) })).toMatch(
      /lists the service name 'A1' twice/,
    );
    expect(problems({ LIFEBOAT_PROTECTED_SERVICES: '[{' })).toMatch(
      /LIFEBOAT_PROTECTED_SERVICES: must be valid JSON/,
    );
    expect(
      problems({ LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([{ resourceId: id('a'), extra: 1 }]) }),
    ).toMatch(/LIFEBOAT_PROTECTED_SERVICES/);
  });

  it('reports every bad key at once', () => {
    const text = problems({
      LIFEBOAT_BACKUP_RETENTION_DAYS: '45',
      LIFEBOAT_BACKUP_CONTAINER: 'Backups',
      LIFEBOAT_BACKUP_SCHEDULE: '0 */6 * * *',
    });
    expect(text).toMatch(/LIFEBOAT_BACKUP_RETENTION_DAYS/);
    expect(text).toMatch(/LIFEBOAT_BACKUP_CONTAINER: must be 3-63 characters of lower-case/);
    expect(text).toMatch(/LIFEBOAT_BACKUP_SCHEDULE: must be a six-field NCRONTAB/);
  });

  it('refuses an access key without AccessKey access, never echoing it', () => {
    // Cross-field rules run once every field is individually valid (zod skips the transform otherwise).
    const text = problems({ LIFEBOAT_BACKUP_ACCESS_KEY: 'super-secret-key' });
    expect(text).toMatch(
      /LIFEBOAT_BACKUP_ACCESS_KEY: is only allowed when LIFEBOAT_BACKUP_ACCESS_TYPE is AccessKey/,
    );
    expect(text).not.toContain('super-secret-key');
  });

  it.each(['0 0 */6 * * X', '0 61 * * * *', '0 0 25 * * *'])('refuses the schedule %s', (schedule) => {
    expect(problems({ LIFEBOAT_BACKUP_SCHEDULE: schedule })).toMatch(
      /LIFEBOAT_BACKUP_SCHEDULE: must be a valid NCRONTAB expression/,
    );
  });

  it('requires the identity client id or the key that the access type needs', () => {
    expect(problems({ LIFEBOAT_BACKUP_ACCESS_TYPE: 'UserAssignedManagedIdentity' })).toMatch(
      /LIFEBOAT_BACKUP_IDENTITY_CLIENT_ID: is required/,
    );
    expect(problems({ LIFEBOAT_BACKUP_ACCESS_TYPE: 'AccessKey' })).toMatch(
      /LIFEBOAT_BACKUP_ACCESS_KEY: is required/,
    );
    expect(
      loadConfig({ LIFEBOAT_BACKUP_ACCESS_TYPE: 'AccessKey', LIFEBOAT_BACKUP_ACCESS_KEY: 'k' }).backup
        .accessKey,
    ).toBe('k');
  });

  describe('restore targets per service (issue 9)', () => {
    const entry = (extra: Record<string, unknown>) =>
      JSON.stringify([{ resourceId: id('apim-prod'), standbyResourceId: id('apim-standby'), ...extra }]);

    it('drill targets are optional and the primary opt-in is off by default', () => {
      const [s] = loadConfig({ LIFEBOAT_PROTECTED_SERVICES: entry({}) }).backup.services;
      expect(s).toMatchObject({ drillTargets: [], allowRestoreOverPrimary: false });
    });

    it('parses drill targets and the explicit opt-in', () => {
      const [s] = loadConfig({
        LIFEBOAT_PROTECTED_SERVICES: entry({
          drillTargetResourceIds: [id('apim-drill-1'), ` ${id('apim-drill-2')}/`],
          allowRestoreOverPrimary: true,
        }),
      }).backup.services;
      expect(s?.allowRestoreOverPrimary).toBe(true);
      expect(s?.drillTargets.map((d) => d.serviceName)).toEqual(['apim-drill-1', 'apim-drill-2']);
    });

    it.each([
      [{ allowRestoreOverPrimary: 'yes' }, /\(at 0\.allowRestoreOverPrimary\): must be true or false/],
      [
        { drillTargetResourceIds: id('apim-drill') },
        /\(at 0\.drillTargetResourceIds\): must be an array of APIM ARM ids/,
      ],
      [
        { drillTargetResourceIds: ['not-an-id'] },
        /\(at 0\.drillTargetResourceIds\.0\): must be an API Management ARM id/,
      ],
      [
        {
          drillTargetResourceIds: [id('apim-drill'), id('APIM-PROD').replace('providers', 'Providers') + '/'],
        },
        /\(at 0\.drillTargetResourceIds\.1\): must not be the protected service itself \(resourceId\)/,
      ],
      [
        { drillTargetResourceIds: [id('apim-standby')] },
        /\(at 0\.drillTargetResourceIds\.0\): must not be the standby/,
      ],
      [
        { drillTargetResourceIds: [id('apim-drill'), id('Apim-Drill')] },
        /\(at 0\.drillTargetResourceIds\.1\): lists the same drill target twice/,
      ],
      [
        { drillTargetResourceIds: Array.from({ length: 11 }, (_, i) => id(`apim-drill-${i}`)) },
        /\(at 0\.drillTargetResourceIds\): must list at most 10 drill targets/,
      ],
    ])('refuses %j naming the field', (extra, message) => {
      const text = problems({ LIFEBOAT_PROTECTED_SERVICES: entry(extra) });
      expect(text).toMatch(/LIFEBOAT_PROTECTED_SERVICES/);
      expect(text).toMatch(message);
    });
  });
});
