import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { VirtualClock } from '../../../local/clock';
import type { ServiceSpec } from '../../../local/arm/model';
import type { TestHost } from '../../../local/host/testing';
import { idsByName, protectedServicesSetting, type Protection } from '../../../local/fixtures';
import { startWorld, type World } from '../../../local/world';
import { loadAreas } from '../../helpers/app';
import type { AzureStack } from '../../helpers/azure';

/**
 * The backup and restore functions and the APIM operation poll both use (a restore needs a
 * backup), with the durable plumbing (a failover restore checks its start ticket: issue 20).
 */
export const restoreApp = async (): Promise<void> => {
  const { backup } = await import('../../../functions/names/backup');
  const { restore } = await import('../../../functions/names/restore');
  const { apim } = await import('../../../functions/names/apim');
  const { durable } = await import('../../../functions/names/durable');
  await loadAreas(backup, restore, apim, durable);
};

export interface RestoreWorld {
  world: World;
  clock: VirtualClock;
  stack: AzureStack;
  host: TestHost;
  container: ContainerClient;
  /** ARM ids by service name. */
  ids: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Azurite + ARM emulator + local host on one virtual clock (local/world.ts). `protect` says which
 * services are protected, with their standby and drill targets (service names, turned into ids).
 */
export async function startRestoreWorld(
  services: ServiceSpec[],
  protect: Protection[],
  settings: Record<string, string> = {},
  options: { timers?: boolean } = {},
): Promise<RestoreWorld> {
  const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
  const specs = services.map((s) => ({ identity: { systemAssigned: true }, ...s }));
  const world = await startWorld({
    clock,
    arm: { services: specs },
    host: { app: restoreApp, timers: options.timers ?? false, queues: { enabled: false } },
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: protectedServicesSetting(specs, protect),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      ...settings,
    },
  });
  const container = BlobServiceClient.fromConnectionString(world.azurite.connectionString).getContainerClient(
    'apim-backups',
  );
  return {
    world,
    clock,
    stack: world.stack!,
    host: world.host,
    container,
    ids: idsByName(specs),
    stop: () => world.stop(),
  };
}

/** Restore POSTs the emulator served for one service (answered or refused). */
export function restorePosts(stack: AzureStack, serviceName: string): number {
  return stack.arm
    .requests()
    .filter(
      (r) =>
        r.method === 'POST' && r.path.toLowerCase().includes(`/service/${serviceName.toLowerCase()}/restore`),
    ).length;
}

/** POSTs JSON to the host. */
export async function postJson(
  host: TestHost,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}> {
  const res = await host.fetch(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
