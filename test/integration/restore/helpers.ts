import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { VirtualClock } from '../../../local/clock';
import type { ServiceSpec } from '../../../local/arm/model';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import { loadAreas } from '../../helpers/app';
import { startAzureStack, type AzureStack } from '../../helpers/azure';

/**
 * The backup and restore functions (a restore needs a backup, and polls with the backup area's
 * poll), with the durable plumbing (a failover restore checks its start ticket: issue 20).
 */
export const restoreApp = async (): Promise<void> => {
  const { backup } = await import('../../../functions/names/backup');
  const { restore } = await import('../../../functions/names/restore');
  const { durable } = await import('../../../functions/names/durable');
  await loadAreas(backup, restore, durable);
};

export interface RestoreWorld {
  clock: VirtualClock;
  stack: AzureStack;
  host: TestHost;
  container: ContainerClient;
  /** ARM ids by service name. */
  ids: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Azurite + ARM emulator + local host on one virtual clock. `protect` says which services are
 * protected, with their standby and drill targets (service names, turned into ids here).
 */
export async function startRestoreWorld(
  services: ServiceSpec[],
  protect: {
    service: string;
    standby?: string;
    drillTargets?: string[];
    allowRestoreOverPrimary?: boolean;
  }[],
  settings: Record<string, string> = {},
  options: { timers?: boolean } = {},
): Promise<RestoreWorld> {
  const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
  const stack = await startAzureStack({
    clock,
    retryAfterSeconds: 60,
    durations: { backupMs: 10 * 60_000, restoreMs: 30 * 60_000 },
  });
  let host: TestHost | undefined;
  try {
    const ids: Record<string, string> = {};
    for (const s of services)
      ids[s.name] = stack.arm.services.add({ identity: { systemAssigned: true }, ...s });
    const id = (name: string) => {
      const found = ids[name];
      if (found === undefined) throw new Error(`no service ${name}`);
      return found;
    };
    const protectedServices = protect.map((p) => ({
      resourceId: id(p.service),
      ...(p.standby === undefined ? {} : { standbyResourceId: id(p.standby) }),
      ...(p.drillTargets === undefined ? {} : { drillTargetResourceIds: p.drillTargets.map(id) }),
      ...(p.allowRestoreOverPrimary === undefined
        ? {}
        : { allowRestoreOverPrimary: p.allowRestoreOverPrimary }),
    }));
    host = await createTestHost({
      appRoot: process.cwd(),
      clock,
      app: restoreApp,
      settings: {
        ...stack.settings,
        LIFEBOAT_PROTECTED_SERVICES: JSON.stringify(protectedServices),
        LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
        LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
        ...settings,
      },
      timers: options.timers ?? false,
      queues: { enabled: false },
    });
    const container = BlobServiceClient.fromConnectionString(
      stack.azurite.connectionString,
    ).getContainerClient('apim-backups');
    const h = host;
    return {
      clock,
      stack,
      host: h,
      container,
      ids,
      async stop() {
        await h.stop();
        await stack.stop();
      },
    };
  } catch (error) {
    await host?.stop();
    await stack.stop();
    throw error;
  }
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
): Promise<{
  status: number;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}> {
  const res = await host.fetch(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
