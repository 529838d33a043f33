import { activity } from '../kit';
import { status } from '../names/status';

/** Records one site's heartbeat in `lifeboat-status/sites/<site>.json` (the last N, newest first). */
activity(status.recordHeartbeat, {
  input: async () => (await import('../../shared/status/heartbeats')).recordHeartbeatInputSchema,
  handler: async (v) => {
    const { getConfig } = await import('../../shared/config');
    const { blobServiceClient, resolveAppBlobs } = await import('../../shared/storage');
    const { STATUS_CONTAINER } = await import('../../shared/status/heartbeats');
    const { recordHeartbeat } = await import('../../shared/status/heartbeatStore');
    const config = getConfig();
    const blobs = await blobServiceClient(resolveAppBlobs(process.env));
    return recordHeartbeat(blobs.getContainerClient(STATUS_CONTAINER), v.site, v.heartbeat, {
      keep: config.status.heartbeatsKept,
      now: new Date(),
    });
  },
});
