import { startArmEmulator } from '../../local/arm/emulator';
import { startAzurite } from '../../local/azurite';
import { createApimClient } from '../../shared/apim/client';
import type { ApimClient, OperationPoll } from '../../shared/apim/port';
import { parseApimResourceId } from '../../shared/azure/resourceId';
import { benchSize, msSince, type Figure, type Measurement } from './figures';

const RUNS = benchSize(3, 1);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function untilDone(apim: ApimClient, poll: OperationPoll): Promise<void> {
  let current = poll;
  for (let i = 0; current.status === 'running'; i++) {
    if (i > 100) throw new Error('operation did not finish within 100 polls');
    current = await apim.pollOnce(current.token);
  }
}

/**
 * Local Azure stack figures: Azurite start to ready, ARM emulator start to ready (includes the
 * self-signed certificate), and one APIM backup → poll → restore through the real SDK with
 * Retry-After 0 and zero operation durations (the cost of the contract, not of APIM).
 */
export const figures: Figure[] = [
  {
    names: ['azurite.start_ms', 'arm.start_ms', 'apim.backup_restore_ms'],
    async run(): Promise<Measurement[]> {
      const azuriteTimes: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const a = await startAzurite();
        azuriteTimes.push(msSince(t));
        await a.stop();
      }

      const azurite = await startAzurite();
      try {
        const armTimes: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t = performance.now();
          const e = await startArmEmulator({ storageConnectionString: azurite.connectionString });
          armTimes.push(msSince(t));
          await e.stop();
        }

        const sub = '00000000-0000-0000-0000-000000000001';
        const arm = await startArmEmulator({
          storageConnectionString: azurite.connectionString,
          retryAfterSeconds: 0,
          durations: { backupMs: 0, restoreMs: 0 },
          services: [
            {
              subscriptionId: sub,
              resourceGroup: 'rg',
              name: 'src',
              sku: { name: 'Premium' },
              identity: { systemAssigned: true },
              configuration: { apis: [{ name: 'a', path: 'a' }] },
            },
            {
              subscriptionId: sub,
              resourceGroup: 'rg',
              name: 'dst',
              location: 'North Europe',
              sku: { name: 'Premium' },
              identity: { systemAssigned: true },
            },
          ],
        });
        try {
          const apim = createApimClient({
            endpoint: arm.endpoint,
            credential: {
              getToken: () =>
                Promise.resolve({ token: arm.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
            },
            caPem: arm.caPem,
          });
          const id = (name: string) => {
            const parsed = parseApimResourceId(
              `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ApiManagement/service/${name}`,
            );
            if (!parsed.ok) throw new Error(parsed.error);
            return parsed.value;
          };
          const request = {
            storageAccount: 'bench',
            containerName: 'bench',
            backupName: 'b',
            accessType: 'SystemAssignedManagedIdentity' as const,
          };
          // Warm the TLS session and token once so the figure measures the operation round trips.
          await apim.getService(id('src'));
          const t = performance.now();
          await untilDone(apim, await apim.beginBackup(id('src'), request));
          await untilDone(apim, await apim.beginRestore(id('dst'), request));
          const backupRestoreMs = msSince(t);
          return [
            { name: 'azurite.start_ms', value: median(azuriteTimes), unit: 'ms' },
            { name: 'arm.start_ms', value: median(armTimes), unit: 'ms' },
            { name: 'apim.backup_restore_ms', value: backupRestoreMs, unit: 'ms' },
          ];
        } finally {
          await arm.stop();
        }
      } finally {
        await azurite.stop();
      }
    },
  },
];
