import type { ContainerClient } from '@azure/storage-blob';
import type { z } from 'zod';
import { recordStore } from '../storage';
import {
  appendHeartbeat,
  siteHeartbeatBlob,
  siteHeartbeatsSchema,
  type Heartbeat,
  type SiteHeartbeats,
} from './heartbeats';

/**
 * Records one heartbeat in its site's blob: read, append, write under the ETag read (the one
 * record update, shared/storage/records.ts), so two writers never lose each other's heartbeat. A
 * hand-edited or foreign blob reads as no record and is replaced (under its ETag). The container
 * is created, private, on the first write.
 */
export async function recordHeartbeat(
  container: ContainerClient,
  site: string,
  heartbeat: Heartbeat,
  options: { keep: number; now: Date },
): Promise<{ kept: number }> {
  const records = recordStore<SiteHeartbeats>({
    container,
    schema: siteHeartbeatsSchema as z.ZodType<SiteHeartbeats>,
    label: `the heartbeats of ${site}`,
    corrupt: 'absent',
  });
  const record = await records.update(siteHeartbeatBlob(site), (current) =>
    appendHeartbeat(current, site, heartbeat, options.keep, options.now),
  );
  return { kept: record?.heartbeats.length ?? 0 };
}
