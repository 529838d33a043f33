import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { VirtualClock } from '../../../local/clock';
import type { TestHost } from '../../../local/host/testing';
import { idsByName } from '../../../local/fixtures';
import { startWorld, type World } from '../../../local/world';
import type { ServiceSpec } from '../../../local/arm/model';
import { loadAreas } from '../../helpers/app';
import type { AzureStack } from '../../helpers/azure';

/** The backup functions and the APIM operation poll only (other areas' functions need settings these tests do not give). */
export const backupApp = async (): Promise<void> => {
  const { backup } = await import('../../../functions/names/backup');
  const { apim } = await import('../../../functions/names/apim');
  await loadAreas(backup, apim);
};

export interface BackupWorld {
  world: World;
  clock: VirtualClock;
  stack: AzureStack;
  host: TestHost;
  container: ContainerClient;
  ids: Record<string, string>;
  stop(): Promise<void>;
}

/** Azurite + ARM emulator + local host on one virtual clock (local/world.ts), with the given services protected. */
export async function startBackupWorld(
  services: ServiceSpec[],
  settings: Record<string, string> = {},
  options: { timers?: boolean; log?: (line: string) => void } = {},
): Promise<BackupWorld> {
  const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
  const specs = services.map((s) => ({ identity: { systemAssigned: true }, ...s }));
  const ids = idsByName(specs);
  const world = await startWorld({
    clock,
    arm: { services: specs, durations: { backupMs: 10 * 60_000 } },
    host: {
      app: backupApp,
      timers: options.timers ?? true,
      queues: { enabled: false },
      ...(options.log === undefined ? {} : { log: options.log }),
    },
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: JSON.stringify(Object.values(ids).map((resourceId) => ({ resourceId }))),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      ...settings,
    },
  });
  const container = BlobServiceClient.fromConnectionString(world.azurite.connectionString).getContainerClient(
    settings['LIFEBOAT_BACKUP_CONTAINER'] ?? 'apim-backups',
  );
  return { world, clock, stack: world.stack!, host: world.host, container, ids, stop: () => world.stop() };
}

/** Every blob in the container with its metadata. */
export async function listBlobs(
  container: ContainerClient,
): Promise<{ name: string; metadata: Record<string, string>; size: number }[]> {
  const out: { name: string; metadata: Record<string, string>; size: number }[] = [];
  for await (const b of container.listBlobsFlat({ includeMetadata: true }))
    out.push({ name: b.name, metadata: b.metadata ?? {}, size: b.properties.contentLength ?? 0 });
  return out;
}

/** Backup POSTs the emulator served for one service. */
export function backupPosts(stack: AzureStack, serviceName: string): number {
  return stack.arm
    .requests()
    .filter(
      (r) =>
        r.method === 'POST' && r.path.toLowerCase().includes(`/service/${serviceName.toLowerCase()}/backup`),
    ).length;
}
