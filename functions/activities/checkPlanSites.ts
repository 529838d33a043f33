import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * A plan run's sites check (planRun version 2.0, shared/plans/versions.ts): when each site last
 * answered a heartbeat (`lifeboat-status/sites/<site>.json`); a site never heard from has none.
 */
activity(plans.checkPlanSites, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ sites: z.array(z.string().min(1).max(40)).max(200) });
  },
  handler: async ({ sites }) => {
    const { blobServiceClient, readBlobText, resolveAppBlobs } = await import('../../shared/storage');
    const { STATUS_CONTAINER, parseSiteHeartbeats, siteHeartbeatBlob } =
      await import('../../shared/status/heartbeats');
    const container = (await blobServiceClient(resolveAppBlobs(process.env))).getContainerClient(
      STATUS_CONTAINER,
    );
    const out: { site: string; lastSeenAt?: string }[] = [];
    for (const site of sites) {
      const text = (await readBlobText(container, siteHeartbeatBlob(site), 'heartbeats'))?.text;
      const record = text === undefined ? undefined : parseSiteHeartbeats(JSON.parse(text));
      out.push(record?.lastSeen === undefined ? { site } : { site, lastSeenAt: record.lastSeen.at });
    }
    return { sites: out };
  },
});
