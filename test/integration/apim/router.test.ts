import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArmEmulator, type ArmEmulator } from '../../../local/arm/emulator';
import { ROUTES } from '../../../local/arm/router';
import { VirtualClock } from '../../../local/clock';

// The router's checks, common to every route, in their order: token, api-version, path,
// subscription id, method. No storage is touched (no operation is started), so no Azurite.
const SUB = '33333333-2222-3333-4444-555555555555';
const SERVICE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ApiManagement/service/r1`;
const V = '?api-version=2022-08-01';

describe('ARM emulator router', () => {
  let arm: ArmEmulator;

  beforeAll(async () => {
    arm = await startArmEmulator({
      clock: new VirtualClock(),
      storageConnectionString: 'UseDevelopmentStorage=true',
      services: [{ subscriptionId: SUB, resourceGroup: 'rg', name: 'r1', sku: { name: 'Developer' } }],
    });
  });
  afterAll(async () => {
    await arm?.stop();
  });

  function call(method: string, pathAndQuery: string, token: string | null = arm.token) {
    return new Promise<{ status: number; code: string | undefined; message: string | undefined }>(
      (resolve, reject) => {
        const req = https.request(
          new URL(pathAndQuery, arm.endpoint),
          {
            method,
            ca: arm.caPem,
            headers: token === null ? {} : { authorization: `Bearer ${token}` },
          },
          (res) => {
            let data = '';
            res.on('data', (c: Buffer) => (data += c.toString()));
            res.on('end', () => {
              const body = (data === '' ? {} : JSON.parse(data)) as {
                error?: { code?: string; message?: string };
              };
              resolve({ status: res.statusCode ?? 0, code: body.error?.code, message: body.error?.message });
            });
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
  }

  it('checks the token, then the api-version, then the path, then the subscription id', async () => {
    expect(await call('GET', `${SERVICE}${V}`, null)).toMatchObject({
      status: 401,
      code: 'AuthenticationFailed',
    });
    expect(await call('GET', `${SERVICE}${V}`, 'wrong')).toMatchObject({
      status: 401,
      code: 'InvalidAuthenticationToken',
    });
    expect(await call('GET', SERVICE)).toMatchObject({ status: 400, code: 'MissingApiVersionParameter' });
    // An unknown path is 404 even with a malformed subscription: the path is checked first.
    expect(
      await call('GET', `/subscriptions/nope/resourceGroups/rg/providers/Microsoft.Web/sites/a${V}`),
    ).toMatchObject({
      status: 404,
      code: 'NotFound',
      message:
        'The emulator does not serve GET /subscriptions/nope/resourceGroups/rg/providers/Microsoft.Web/sites/a.',
    });
    expect(await call('GET', `${SERVICE.replace(SUB, 'nope')}${V}`)).toMatchObject({
      status: 400,
      code: 'InvalidSubscriptionId',
    });
  });

  it("answers 405 with each route's own message", async () => {
    expect(await call('PUT', `${SERVICE}${V}`)).toMatchObject({
      status: 405,
      code: 'MethodNotAllowed',
      message: 'The emulator serves only GET on a service, not PUT.',
    });
    expect(await call('POST', `${SERVICE}/namedValues${V}`)).toMatchObject({
      status: 405,
      message: 'The emulator serves only GET on namedValues, not POST.',
    });
    expect(await call('GET', `${SERVICE}/Backup${V}`)).toMatchObject({
      status: 405,
      message: 'Backup is a POST.',
    });
    expect(await call('DELETE', `${SERVICE}/operationresults/abc${V}`)).toMatchObject({
      status: 405,
      message: 'Operation results are read with GET.',
    });
  });

  it('matches paths case-insensitively, with or without a trailing slash', async () => {
    expect(
      await call('GET', `${SERVICE.replace('Microsoft.ApiManagement', 'microsoft.apimanagement')}/${V}`),
    ).toMatchObject({
      status: 200,
    });
    expect(await call('GET', `${SERVICE}/APIS${V}`)).toMatchObject({ status: 200 });
  });

  it('has at most one route for any path (the table order does not matter)', () => {
    const paths = [
      SERVICE,
      `${SERVICE}/apis`,
      `${SERVICE}/backup`,
      `${SERVICE}/restore`,
      `${SERVICE}/operationresults/x`,
    ];
    for (const path of paths) expect(ROUTES.filter((r) => r.pattern.test(path))).toHaveLength(1);
    expect(ROUTES.filter((r) => r.pattern.test(`${SERVICE}/unknown`))).toHaveLength(0);
  });
});
