import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * A failback's round trip (issue 23): the manifest written beside the backup the standby started
 * from (the failover's) compared with the one beside the standby's fresh backup, i.e. what was
 * written on the standby while it carried production. A manifest missing is an answer, not an error.
 */
activity(plans.compareRoundTrip, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ from: z.string().min(1).max(1024), to: z.string().min(1).max(1024) });
  },
  handler: async ({ from, to }) => {
    const { NonRetryableError } = await import('../../shared/errors');
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { readManifestBlob } = await import('../../shared/restore/manifestStore');
    const { compareManifests } = await import('../../shared/apim/manifest');
    const { container } = await restoreDeps();
    const read = async (name: string) => {
      try {
        return await readManifestBlob(container, name);
      } catch (error) {
        if (error instanceof NonRetryableError && error.code === 'ManifestMissing') return undefined;
        throw error;
      }
    };
    const [before, after] = await Promise.all([read(from), read(to)]);
    if (before === undefined)
      return { missing: `backup ${from} has no manifest: the difference cannot be told` };
    if (after === undefined)
      return { missing: `backup ${to} has no manifest: the difference cannot be told` };
    return { differences: compareManifests(before, after).differences };
  },
});
