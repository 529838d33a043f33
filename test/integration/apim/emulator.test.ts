import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArmEmulator } from '../../../local/arm/emulator';
import { VirtualClock } from '../../../local/clock';
import { createApimClient } from '../../../shared/apim/client';
import type { ApimClient, BackupRestoreRequest } from '../../../shared/apim/port';
import { parseApimResourceId, type ApimServiceId } from '../../../shared/azure/resourceId';
import { startAzureStack, type AzureStack } from '../../helpers/azure';

// Emulator behaviours beyond the happy path: tier rules, transitioning states, scripted faults.
const SUB = '22222222-2222-3333-4444-555555555555';
const req: BackupRestoreRequest = {
  storageAccount: 'lifeboatbackups',
  containerName: 'apim-backups',
  backupName: 'f.apimbackup',
  accessType: 'SystemAssignedManagedIdentity',
};

function id(name: string): ApimServiceId {
  const parsed = parseApimResourceId(
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ApiManagement/service/${name}`,
  );
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

describe('ARM emulator: tiers, states and faults', () => {
  let stack: AzureStack;
  let clock: VirtualClock;
  let apim: ApimClient;

  beforeAll(async () => {
    clock = new VirtualClock();
    const svc = (name: string, extra: object = {}) => ({
      subscriptionId: SUB,
      resourceGroup: 'rg',
      name,
      sku: { name: 'Developer' },
      identity: { systemAssigned: true },
      ...extra,
    });
    stack = await startAzureStack({
      clock,
      retryAfterSeconds: 0,
      services: [
        svc('dev1'),
        svc('cons1', { sku: { name: 'Consumption' } }),
        svc('ws1', { sku: { name: 'Premium' }, workspaces: true }),
        svc('act1', { provisioningState: 'Activating' }),
      ],
    });
    apim = createApimClient({
      endpoint: stack.arm.endpoint,
      credential: {
        getToken: () =>
          Promise.resolve({ token: stack.arm.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
      },
      caPem: stack.arm.caPem,
      maxRetries: 0,
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('Consumption and workspace-enabled services refuse backup with MethodNotAllowedInPricingTier', async () => {
    await expect(apim.beginBackup(id('cons1'), req)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'MethodNotAllowedInPricingTier',
    });
    await expect(apim.beginRestore(id('ws1'), req)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'MethodNotAllowedInPricingTier',
    });
  });

  it('a transitioning service (Activating) answers 409 ServiceLocked', async () => {
    await expect(apim.beginBackup(id('act1'), req)).rejects.toMatchObject({
      name: 'TransientError',
      code: 'ServiceLocked',
    });
  });

  it('reports Updating while an operation runs and Succeeded after', async () => {
    const started = await apim.beginBackup(id('dev1'), req);
    await expect(apim.getService(id('dev1'))).resolves.toMatchObject({
      provisioningState: 'Updating',
      targetProvisioningState: 'Succeeded',
    });
    if (started.status !== 'running') throw new Error('expected a running operation');
    clock.advance(10 * 60_000);
    await expect(apim.pollOnce(started.token)).resolves.toMatchObject({ status: 'succeeded' });
    await expect(apim.getService(id('dev1'))).resolves.toMatchObject({
      provisioningState: 'Succeeded',
      targetProvisioningState: '',
    });
  });

  it('a scripted 500 on a poll is transient and the next poll proceeds', async () => {
    const started = await apim.beginBackup(id('dev1'), req);
    if (started.status !== 'running') throw new Error('expected a running operation');
    stack.arm.faults.inject({ kind: 'http', status: 500 }, { on: 'poll' });
    await expect(apim.pollOnce(started.token)).rejects.toMatchObject({
      name: 'TransientError',
      code: 'InternalServerError',
    });
    clock.advance(10 * 60_000);
    await expect(apim.pollOnce(started.token)).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('a scripted failed operation fails every later poll with the same error and unlocks the service', async () => {
    const started = await apim.beginBackup(id('dev1'), req);
    if (started.status !== 'running') throw new Error('expected a running operation');
    stack.arm.faults.inject({
      kind: 'failOperation',
      status: 400,
      code: 'BackupFailed',
      message: 'Storage refused the write.',
    });
    await expect(apim.pollOnce(started.token)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'BackupFailed',
    });
    await expect(apim.pollOnce(started.token)).rejects.toMatchObject({ code: 'BackupFailed' });
    expect(stack.arm.faults.pending()).toBe(0);
    await expect(apim.getService(id('dev1'))).resolves.toMatchObject({ provisioningState: 'Succeeded' });
  });

  it('scripted ServiceLocked hits the next POST only', async () => {
    stack.arm.faults.inject({ kind: 'serviceLocked' }, { times: 2 });
    await expect(apim.beginBackup(id('dev1'), req)).rejects.toMatchObject({ code: 'ServiceLocked' });
    await expect(apim.getService(id('dev1'))).resolves.toMatchObject({ name: 'dev1' });
    await expect(apim.beginBackup(id('dev1'), req)).rejects.toMatchObject({ code: 'ServiceLocked' });
    const started = await apim.beginBackup(id('dev1'), req);
    expect(started.status).toBe('running');
    clock.advance(10 * 60_000);
  });

  it('an endpoint that does not answer is a transient network error', async () => {
    const gone = await startArmEmulator({ storageConnectionString: stack.azurite.connectionString });
    await gone.stop();
    const client = createApimClient({
      endpoint: gone.endpoint,
      credential: {
        getToken: () => Promise.resolve({ token: gone.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
      },
      caPem: gone.caPem,
      maxRetries: 0,
    });
    await expect(client.getService(id('dev1'))).rejects.toMatchObject({ name: 'TransientError' });
  });
});
