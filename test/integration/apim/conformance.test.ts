import { readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import type { ServiceSpec } from '../../../local/arm/model';
import { startAzureStack, type AzureStack } from '../../helpers/azure';

// Every official example in ../shared/conformance/apim is replayed against the emulator over raw
// HTTPS (all three api-versions; the wire contract is what is under test), and the 2024-05-01
// ones also through the real SDK (its default api-version).
// A copy of ../shared/conformance/apim (the official x-ms-examples), so a fresh clone is self-contained.
const ROOT = path.resolve(__dirname, 'examples');

interface Example {
  file: string;
  op: 'backup' | 'restore';
  parameters: {
    serviceName: string;
    resourceGroupName: string;
    'api-version': string;
    subscriptionId: string;
    parameters: Record<string, string>;
  };
  responses: { '202': { headers: { location: string } }; '200': { body: Record<string, unknown> } };
}

function loadExamples(): Example[] {
  const out: Example[] = [];
  for (const version of readdirSync(ROOT).sort()) {
    for (const name of readdirSync(path.join(ROOT, version)).sort()) {
      if (!/^ApiManagement(?:Backup|Restore)\w*\.json$/.test(name)) continue; // skip the spec excerpt
      const json = JSON.parse(readFileSync(path.join(ROOT, version, name), 'utf8')) as Omit<
        Example,
        'file' | 'op'
      >;
      out.push({ ...json, file: `${version}/${name}`, op: name.includes('Restore') ? 'restore' : 'backup' });
    }
  }
  return out;
}

const examples = loadExamples();
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Keys whose children are dictionaries (names are data, not shape).
const MAP_KEYS = new Set(['tags', 'customProperties', 'userAssignedIdentities']);

/** Every key of `expected` exists in `actual` with the same JSON type (arrays: first element). */
function shapeProblems(expected: unknown, actual: unknown, at = '$'): string[] {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(expected) !== kind(actual)) return [`${at}: expected ${kind(expected)}, got ${kind(actual)}`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length === 0) return [];
    if (actual.length === 0) return [`${at}: expected a non-empty array`];
    return shapeProblems(expected[0], actual[0], `${at}[0]`);
  }
  if (kind(expected) !== 'object') return [];
  const exp = expected as Record<string, unknown>;
  const act = actual as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(exp)) {
    if (!(key in act)) problems.push(`${at}.${key}: missing`);
    else if (MAP_KEYS.has(key)) {
      if (kind(act[key]) !== 'object') problems.push(`${at}.${key}: expected a dictionary`);
      else if (key === 'userAssignedIdentities') {
        const first = Object.values(act[key] as object)[0] as unknown;
        problems.push(...shapeProblems(Object.values(exp[key] as object)[0], first, `${at}.${key}.*`));
      }
    } else problems.push(...shapeProblems(exp[key], act[key], `${at}.${key}`));
  }
  return problems;
}

/** The service the example's 200 body describes, as an emulator seed. */
function seedFrom(example: Example, subscriptionId: string): ServiceSpec {
  const body = example.responses['200'].body;
  const props = body['properties'] as Record<string, unknown>;
  const identity = body['identity'] as
    | { type?: string; userAssignedIdentities?: Record<string, { clientId: string; principalId: string }> }
    | undefined;
  const userAssigned = { ...(identity?.userAssignedIdentities ?? {}) };
  const requestClientId = example.parameters.parameters['clientId'];
  if (requestClientId !== undefined) {
    // The examples are sanitised inconsistently: the request's clientId ("XXXXX-a154-...") is not
    // the attached identity's ("00000000-a154-..."). Live Azure requires the request's clientId to
    // belong to an attached identity, so the seed attaches one with exactly that client id.
    userAssigned[
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/conformance'
    ] = {
      clientId: requestClientId,
      principalId: '00000000-0000-0000-0000-0000000000cc',
    };
  }
  const sku = body['sku'] as { name: string; capacity: number };
  return {
    subscriptionId,
    resourceGroup: example.parameters.resourceGroupName,
    name: example.parameters.serviceName,
    location: body['location'] as string,
    sku,
    tags: (body['tags'] as Record<string, string> | undefined) ?? {},
    identity: { systemAssigned: identity?.type?.includes('SystemAssigned') ?? false, userAssigned },
    additionalLocations: (
      (props['additionalLocations'] as { location: string; sku: { capacity: number } }[] | undefined) ?? []
    ).map((l) => ({
      location: l.location,
      capacity: l.sku.capacity,
    })),
  };
}

describe('conformance: official APIM backup/restore examples replayed against the emulator', () => {
  let stack: AzureStack;
  let clock: VirtualClock;

  beforeAll(async () => {
    clock = new VirtualClock(new Date('2026-02-01T00:00:00Z'));
    stack = await startAzureStack({ clock, retryAfterSeconds: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  function call(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown, token = stack.arm.token) {
    const url = new URL(pathAndQuery, stack.arm.endpoint);
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<{
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
    }>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: stack.arm.caPem,
          headers: {
            ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
            ...(text === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
          },
        },
        (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  /** POST, check the 202 contract, finish on the clock, poll twice: returns the final 200 body. */
  async function runOperation(
    servicePath: string,
    op: 'backup' | 'restore',
    version: string,
    params: Record<string, string>,
  ) {
    const accepted = await call('POST', `${servicePath}/${op}?api-version=${version}`, params);
    expect(accepted.status, accepted.body).toBe(202);
    expect(accepted.body).toBe('');
    expect(accepted.headers['retry-after']).toBe('60');
    expect(accepted.headers['azure-asyncoperation']).toBeUndefined();
    const location = new URL(String(accepted.headers['location']));
    expect(location.pathname).toMatch(new RegExp(`^${servicePath}/operationresults/[^/]+$`, 'i'));
    expect(location.searchParams.get('api-version')).toBe(version);

    const running = await call('GET', location.pathname + location.search);
    expect(running.status).toBe(202);
    expect(running.body).toBe('');
    expect(running.headers['location']).toBe(accepted.headers['location']);

    clock.advance(op === 'backup' ? 10 * 60_000 : 30 * 60_000);
    const done = await call('GET', location.pathname + location.search);
    expect(done.status, done.body).toBe(200);
    const again = await call('GET', location.pathname + location.search);
    expect(again.body).toBe(done.body);
    return JSON.parse(done.body) as Record<string, unknown>;
  }

  it('found the examples (3 api-versions)', () => {
    expect(new Set(examples.map((e) => e.parameters['api-version']))).toEqual(
      new Set(['2022-08-01', '2023-05-01-preview', '2024-05-01']),
    );
    expect(examples.length).toBeGreaterThanOrEqual(9);
  });

  for (const example of examples) {
    it(`${example.file}`, async () => {
      const p = example.parameters;
      const version = p['api-version'];
      const params = { ...p.parameters };
      let subscriptionId = p.subscriptionId;
      if (!GUID.test(subscriptionId)) {
        // The 2022-08-01 examples use "subid"; live ARM refuses a non-GUID subscription id before
        // the request reaches API Management. Assert that, then replay with a GUID.
        const refused = await call(
          'POST',
          `/subscriptions/${subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.ApiManagement/service/${p.serviceName}/${example.op}?api-version=${version}`,
          params,
        );
        expect(refused.status).toBe(400);
        expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'InvalidSubscriptionId' } });
        subscriptionId = '00000000-0000-0000-0000-000000000000';
      }
      const resourceId = stack.arm.services.add(seedFrom(example, subscriptionId));

      const container = params['containerName'] ?? '';
      if (/[A-Z]/.test(container)) {
        // "backupContainer" is knowingly invalid for the live service: blob container names are
        // lower-case, and APIM answers 400 InvalidParameters naming backupContainerName on the POST.
        const refused = await call('POST', `${resourceId}/${example.op}?api-version=${version}`, params);
        expect(refused.status).toBe(400);
        const error = (JSON.parse(refused.body) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe('InvalidParameters');
        expect(error.message).toContain('Parameter name: backupContainerName');
        params['containerName'] = container.toLowerCase();
      }

      if (example.op === 'restore') {
        // A restore needs a backup of the same tier at that blob: take one from the same service.
        await runOperation(resourceId, 'backup', version, params);
      }
      const body = await runOperation(resourceId, example.op, version, params);
      expect(shapeProblems(example.responses['200'].body, body)).toEqual([]);
      expect(body).toMatchObject({
        name: p.serviceName,
        type: 'Microsoft.ApiManagement/service',
        properties: { provisioningState: 'Succeeded', targetProvisioningState: '' },
      });

      if (version === '2024-05-01') {
        // The same request through the real SDK (default api-version 2024-05-01; it drops the
        // accessType when it is AccessKey, the default).
        const sdk = new ApiManagementClient(
          {
            getToken: () =>
              Promise.resolve({ token: stack.arm.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
          },
          subscriptionId,
          {
            endpoint: stack.arm.endpoint,
            tlsOptions: { ca: stack.arm.caPem },
          },
        );
        const poller =
          example.op === 'backup'
            ? await sdk.apiManagementService.beginBackup(
                p.resourceGroupName,
                p.serviceName,
                params as never,
                { updateIntervalInMs: 0 },
              )
            : await sdk.apiManagementService.beginRestore(
                p.resourceGroupName,
                p.serviceName,
                params as never,
                { updateIntervalInMs: 0 },
              );
        expect(poller.isDone()).toBe(false);
        clock.advance(30 * 60_000);
        const result = await poller.pollUntilDone();
        expect(result).toMatchObject({
          name: p.serviceName,
          provisioningState: 'Succeeded',
          sku: example.responses['200'].body['sku'],
        });
      }
    });
  }

  it('401 with an ARM error body without a bearer token; 404 ResourceNotFound for an unknown service', async () => {
    const anonymous = await call(
      'GET',
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1?api-version=2024-05-01',
      undefined,
      '',
    );
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    const missing = await call(
      'GET',
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/nope?api-version=2024-05-01',
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });
});
