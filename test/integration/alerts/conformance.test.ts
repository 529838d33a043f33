import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { createArmAlertsSource } from '../../../shared/alerts/armSource';
import { ALERTS_API_VERSION } from '../../../shared/alerts/source';
import { startAzureStack, type AzureStack } from '../../helpers/azure';

/**
 * The emulator's Alerts Management API against the documented "Alerts - Get By Id" answer, and
 * Lifeboat's ARM client (shared/alerts/armSource.ts) against the emulator over HTTPS with a
 * bearer token: found, resolved, absent, not an alert id, and a token ARM refuses.
 */

const SUB = '9e261de7-c804-4b9d-9ebf-6f50fe350a9a';
const ID = `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/66114d64-d9d9-478b-95c9-b789d6502100`;
const TARGET =
  '/subscriptions/3b540246-808d-4331-99aa-917b808a9166/resourceGroups/servicedeskresourcegroup/providers/microsoft.insights/components/servicedeskappinsight';

/**
 * The documented sample answer (learn.microsoft.com, Alerts - Get By Id, api-version
 * 2023-07-12-preview), the keys the emulator must give with the same JSON types. Fields of the
 * sample the emulator does not model (smart groups, `actionStatus` details) are left out here.
 */
const DOCUMENTED = {
  properties: {
    essentials: {
      severity: 'Sev3',
      signalType: 'Log',
      alertState: 'Acknowledged',
      monitorCondition: 'Fired',
      monitorService: 'Application Insights',
      targetResource: TARGET.toLowerCase(),
      targetResourceName: 'servicedeskappinsight',
      targetResourceGroup: 'servicedeskresourcegroup',
      targetResourceType: 'components',
      sourceCreatedId: '6cd6b2ce-8c54-468f-aff0-9d12aebb7e49',
      alertRule: 'cpu alert',
      startDateTime: '2018-09-13T15:51:02Z',
      lastModifiedDateTime: '2018-09-13T15:51:02Z',
      lastModifiedUserName: 'System',
      actionStatus: { isSuppressed: false },
    },
    context: {},
    egressConfig: {},
  },
  id: ID,
  type: 'Microsoft.AlertsManagement/alerts',
  name: 'cpu alert',
};

function shapeProblems(expected: unknown, actual: unknown, at = '$'): string[] {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(expected) !== kind(actual)) return [`${at}: expected ${kind(expected)}, got ${kind(actual)}`];
  if (kind(expected) !== 'object') return [];
  const exp = expected as Record<string, unknown>;
  const act = actual as Record<string, unknown>;
  return Object.keys(exp).flatMap((k) =>
    k in act ? shapeProblems(exp[k], act[k], `${at}.${k}`) : [`${at}.${k}: missing`],
  );
}

let stack: AzureStack;
beforeAll(async () => {
  stack = await startAzureStack({ clock: new VirtualClock(new Date('2026-01-01T00:00:00Z')) });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const get = async (path: string, token = stack.arm.token) => {
  const { request } = await import('node:https');
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = request(
      `${stack.arm.endpoint}${path}`,
      { ca: stack.arm.caPem, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
};

const source = (token = stack.arm.token) =>
  createArmAlertsSource({
    endpoint: stack.arm.endpoint,
    credential: { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3600_000 }) },
    caPem: stack.arm.caPem,
    maxRetries: 0,
  });

describe('Alerts Management API (emulator)', () => {
  it('answers GET by id in the documented shape', async () => {
    stack.arm.alerts.fire({
      id: ID,
      alertRule: 'cpu alert',
      severity: 'Sev3',
      signalType: 'Log',
      monitorService: 'Application Insights',
      targetResource: TARGET,
    });
    const res = await get(`${ID}?api-version=${ALERTS_API_VERSION}`);
    expect(res.status).toBe(200);
    expect(shapeProblems(DOCUMENTED, res.body)).toEqual([]);
    expect(res.body).toMatchObject({
      id: ID,
      type: 'Microsoft.AlertsManagement/alerts',
      properties: {
        essentials: { monitorCondition: 'Fired', targetResource: TARGET.toLowerCase(), alertState: 'New' },
      },
    });
    // The id is case-insensitive, as ARM's are; the older api-version answers the same.
    expect(
      (
        await get(
          `${ID.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions')}?api-version=2019-05-05-preview`,
        )
      ).status,
    ).toBe(200);
  });

  it('404 ResourceNotFound for an alert it does not hold; 400 without api-version; 401 without a token', async () => {
    const absent = await get(`${ID.replace('66114d64', '00000000')}?api-version=${ALERTS_API_VERSION}`);
    expect(absent).toMatchObject({ status: 404, body: { error: { code: 'ResourceNotFound' } } });
    expect((await get(ID)).status).toBe(400);
    expect((await get(`${ID}?api-version=${ALERTS_API_VERSION}`, 'wrong')).status).toBe(401);
  });

  it('Lifeboat’s client reads found, resolved, absent, malformed and refused alerts', async () => {
    const id = stack.arm.alerts.fire({
      id: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/11111111-2222-3333-4444-555555555555`,
      alertRule: `/subscriptions/${SUB}/resourceGroups/rg/providers/microsoft.insights/metricAlerts/contoso-apim-down`,
      severity: 'Sev1',
      targetResource: TARGET,
      startDateTime: '2026-01-01T00:00:00Z',
    });
    expect(await source().read(id)).toEqual({
      kind: 'found',
      alert: {
        id,
        monitorCondition: 'Fired',
        alertRule: expect.stringContaining('metricAlerts/contoso-apim-down'),
        severity: 'Sev1',
        signalType: 'Metric',
        targetResource: TARGET.toLowerCase(),
        startDateTime: '2026-01-01T00:00:00Z',
      },
    });
    stack.arm.alerts.resolve(id, '2026-01-01T00:20:00Z');
    expect(await source().read(id)).toMatchObject({
      kind: 'found',
      alert: { monitorCondition: 'Resolved', resolvedDateTime: '2026-01-01T00:20:00Z' },
    });
    expect(await source().read(id.replace('11111111', '99999999'))).toEqual({ kind: 'notFound' });
    expect(await source().read('/alerts/not-an-arm-id')).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringContaining('alertId: is not an Alerts Management id'),
    });
    expect(await source('wrong').read(id)).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringContaining('Monitoring Reader'),
    });
  });
});
