import https from 'node:https';
import { BlobServiceClient } from '@azure/storage-blob';
import { ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { createApimClient, createApimClientFromConfig } from '../../../shared/apim/client';
import { coreSection } from '../../../shared/config/sections/core';
import type { ApimClient, BackupRestoreRequest, OperationPoll } from '../../../shared/apim/port';
import { parseApimResourceId, type ApimServiceId } from '../../../shared/azure/resourceId';
import { startAzureStack, type AzureStack } from '../../helpers/azure';

const SUB = '11111111-2222-3333-4444-555555555555';
const CONFIG = {
  apis: [{ name: 'orders', path: 'orders', displayName: 'Orders' }],
  products: [{ name: 'starter' }],
  namedValues: [{ name: 'backend-url', value: 'https://orders.internal' }],
};

function id(name: string): ApimServiceId {
  const parsed = parseApimResourceId(
    `/subscriptions/${SUB}/resourceGroups/rg-dr/providers/Microsoft.ApiManagement/service/${name}`,
  );
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function request(backupName: string, extra: Partial<BackupRestoreRequest> = {}): BackupRestoreRequest {
  return {
    storageAccount: 'lifeboatbackups',
    containerName: 'apim-backups',
    backupName,
    accessType: 'SystemAssignedManagedIdentity',
    ...extra,
  };
}

describe('APIM adapter against the ARM emulator and Azurite', () => {
  let stack: AzureStack;
  let clock: VirtualClock;
  let apim: ApimClient;

  beforeAll(async () => {
    clock = new VirtualClock(new Date('2026-03-01T00:00:00Z'));
    stack = await startAzureStack({
      clock,
      retryAfterSeconds: 0,
      services: [
        {
          subscriptionId: SUB,
          resourceGroup: 'rg-dr',
          name: 'apim-prod',
          location: 'West Europe',
          sku: { name: 'Premium' },
          identity: { systemAssigned: true },
          configuration: CONFIG,
        },
        {
          subscriptionId: SUB,
          resourceGroup: 'rg-dr',
          name: 'apim-dr',
          location: 'North Europe',
          sku: { name: 'Premium' },
          identity: { systemAssigned: true },
        },
        {
          subscriptionId: SUB,
          resourceGroup: 'rg-dr',
          name: 'apim-std',
          location: 'North Europe',
          sku: { name: 'Standard' },
          identity: { systemAssigned: true },
        },
        {
          subscriptionId: SUB,
          resourceGroup: 'rg-dr',
          name: 'apim-v2',
          sku: { name: 'StandardV2' },
          identity: { systemAssigned: true },
        },
      ],
    });
    // Production code path: managed identity via IDENTITY_ENDPOINT/IDENTITY_HEADER (App Service protocol).
    process.env['IDENTITY_ENDPOINT'] = stack.settings['IDENTITY_ENDPOINT'];
    process.env['IDENTITY_HEADER'] = stack.settings['IDENTITY_HEADER'];
    apim = createApimClient({
      endpoint: stack.arm.endpoint,
      credential: new ManagedIdentityCredential(),
      caPem: stack.arm.caPem,
      maxRetries: 0,
    });
  });
  afterAll(async () => {
    delete process.env['IDENTITY_ENDPOINT'];
    delete process.env['IDENTITY_HEADER'];
    await stack?.stop();
  });

  /** Advances the virtual clock past the operation and polls until it settles. */
  async function complete(first: OperationPoll, ms: number): Promise<OperationPoll> {
    let poll = first;
    clock.advance(ms);
    for (let i = 0; i < 5 && poll.status === 'running'; i++) poll = await apim.pollOnce(poll.token);
    return poll;
  }

  it('reads a service through managed identity and the self-signed TLS endpoint', async () => {
    const info = await apim.getService(id('apim-prod'));
    expect(info).toMatchObject({
      name: 'apim-prod',
      location: 'West Europe',
      sku: { name: 'Premium', capacity: 1 },
      provisioningState: 'Succeeded',
    });
  });

  it('production wiring: config (endpoint, scope, CA file) + DefaultAzureCredential via managed identity', async () => {
    const core = coreSection.schema.parse({
      LIFEBOAT_ARM_ENDPOINT: stack.settings['LIFEBOAT_ARM_ENDPOINT'],
      LIFEBOAT_ARM_SCOPE: stack.settings['LIFEBOAT_ARM_SCOPE'],
      LIFEBOAT_ARM_CA_FILE: stack.caFile,
    });
    const fromConfig = createApimClientFromConfig(core);
    await expect(fromConfig.getService(id('apim-dr'))).resolves.toMatchObject({
      name: 'apim-dr',
      location: 'North Europe',
    });
  });

  it('backs up into the named blob, then restores into a service in another region', async () => {
    const started = await apim.beginBackup(id('apim-prod'), request('prod-1.apimbackup'));
    expect(started.status).toBe('running');
    if (started.status !== 'running') return;
    expect(started.retryAfterMs).toBe(0);
    expect(stack.arm.services.get(id('apim-prod').resourceId)?.provisioningState).toBe('Updating');
    // Still running on the clock: the poll answers 202 again.
    const again = await apim.pollOnce(started.token);
    expect(again.status).toBe('running');

    const done = await complete(started, 10 * 60_000);
    expect(done).toMatchObject({
      status: 'succeeded',
      service: { name: 'apim-prod', provisioningState: 'Succeeded' },
    });
    const blob = BlobServiceClient.fromConnectionString(stack.azurite.connectionString)
      .getContainerClient('apim-backups')
      .getBlobClient('prod-1.apimbackup');
    expect(await blob.exists()).toBe(true);

    const restore = await apim.beginRestore(id('apim-dr'), request('prod-1.apimbackup'));
    const restored = await complete(restore, 30 * 60_000);
    expect(restored).toMatchObject({
      status: 'succeeded',
      service: { name: 'apim-dr', location: 'North Europe' },
    });
    expect(stack.arm.services.get(id('apim-dr').resourceId)?.configuration).toEqual(CONFIG);
  });

  it('the poll token carries neither the access key nor the bearer token', async () => {
    const started = await apim.beginBackup(
      id('apim-prod'),
      request('keyed.apimbackup', { accessType: 'AccessKey', accessKey: 'c2VjcmV0LWFjY2Vzcy1rZXk=' }),
    );
    if (started.status !== 'running') throw new Error('expected a running operation');
    expect(started.token).not.toContain('c2VjcmV0LWFjY2Vzcy1rZXk=');
    expect(started.token).not.toContain(stack.arm.token);
    expect(started.token).toContain('/operationresults/');
    await complete(started, 10 * 60_000);
  });

  it('a restore into another tier fails on the poll with RestoreFailed (not retryable)', async () => {
    const restore = await apim.beginRestore(id('apim-std'), request('prod-1.apimbackup'));
    const error = await complete(restore, 30 * 60_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NonRetryableError', code: 'RestoreFailed' });
    expect((error as Error).message).toContain(
      "Cannot restore: current SKU is 'Standard', backup SKU is 'Premium'",
    );
  });

  it('a missing backup blob fails with RestoreFailed', async () => {
    const restore = await apim.beginRestore(id('apim-dr'), request('does-not-exist.apimbackup'));
    await expect(complete(restore, 30 * 60_000)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'RestoreFailed',
    });
  });

  it('an expired backup (31 days on the virtual clock) fails with RestoreFailed "backup expired"', async () => {
    const backup = await apim.beginBackup(id('apim-prod'), request('old.apimbackup'));
    await complete(backup, 10 * 60_000);
    clock.advance(31 * 86_400_000);
    const restore = await apim.beginRestore(id('apim-dr'), request('old.apimbackup'));
    await expect(complete(restore, 30 * 60_000)).rejects.toThrow(
      /RestoreFailed: Cannot restore: backup expired/,
    );
  });

  it('a second operation while one runs gets 409 ServiceLocked, classified transient', async () => {
    const first = await apim.beginBackup(id('apim-prod'), request('lock-1.apimbackup'));
    await expect(apim.beginBackup(id('apim-prod'), request('lock-2.apimbackup'))).rejects.toMatchObject({
      name: 'TransientError',
      code: 'ServiceLocked',
    });
    await complete(first, 10 * 60_000);
  });

  it('scripted 503 with Retry-After is transient and carries retryAfterMs', async () => {
    stack.arm.faults.inject({ kind: 'http', status: 503, retryAfterSeconds: 7 }, { on: 'post' });
    await expect(apim.beginBackup(id('apim-prod'), request('x.apimbackup'))).rejects.toMatchObject({
      name: 'TransientError',
      code: 'ServiceUnavailable',
      retryAfterMs: 7000,
    });
  });

  it('malformed requests and unsupported tiers are terminal with the ARM code kept', async () => {
    await expect(
      apim.beginBackup(id('apim-prod'), request('a', { containerName: 'Backups' })),
    ).rejects.toMatchObject({ name: 'NonRetryableError', code: 'InvalidParameters' });
    await expect(
      apim.beginBackup(id('apim-prod'), request('a', { accessType: 'AccessKey' })),
    ).rejects.toMatchObject({ name: 'NonRetryableError', code: 'InvalidParameters' });
    await expect(
      apim.beginBackup(
        id('apim-prod'),
        request('a', {
          accessType: 'UserAssignedManagedIdentity',
          clientId: '00000000-0000-0000-0000-000000000001',
        }),
      ),
    ).rejects.toMatchObject({ name: 'NonRetryableError', code: 'InvalidParameters' });
    await expect(apim.beginBackup(id('apim-v2'), request('a'))).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'MethodNotAllowedInPricingTier',
    });
    await expect(apim.getService(id('nope'))).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'ResourceNotFound',
    });
    await expect(apim.pollOnce('not json')).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'InvalidPollToken',
    });
  });

  it('a request without a bearer token gets 401 with an ARM error body; a wrong token is refused too', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.get(
        `${stack.arm.endpoint}${id('apim-prod').resourceId}?api-version=2024-05-01`,
        { ca: stack.arm.caPem },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    const bad = createApimClient({
      endpoint: stack.arm.endpoint,
      credential: {
        getToken: () => Promise.resolve({ token: 'wrong', expiresOnTimestamp: Date.now() + 3_600_000 }),
      },
      caPem: stack.arm.caPem,
      maxRetries: 0,
    });
    await expect(bad.getService(id('apim-prod'))).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'InvalidAuthenticationToken',
    });
  });
});
