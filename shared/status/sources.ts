import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import { usageExportRecordName, usageExportRecords } from '../backups/usageExport';
import { DIGEST_CONTAINER, serviceDigestBlob } from '../digest/service';
import { serviceDigests } from '../digest/store';
import { loadPlans, type PlanCheckContext } from '../plans/load';
import { isNotFound, readBlobText } from '../storage';
import type { StatusSources } from './read';

/**
 * The Azure adapters behind {@link StatusSources}: blobs read by name (never listed), queue
 * properties and one durable query of running instances.
 */

/** What the status page needs of the durable client (a structural subset of durable-functions' DurableClient). */
export interface DurableReader {
  getStatusBy(filter: {
    runtimeStatus?: never[] | string[];
  }): Promise<{ name?: string; customStatus?: unknown }[]>;
}

/** The relay's sub-orchestration that awaits agents (functions/names/relay.ts), by name. */
const RUN_AGENT_COMMAND = 'runagentcommand';

/**
 * GETs a JSON blob with one request (`downloadToBuffer` sends two: properties, then the body);
 * undefined when it does not exist.
 */
export async function getJsonBlob(container: ContainerClient, blobName: string): Promise<unknown> {
  const found = await readBlobText(container, blobName, 'status page');
  if (found === undefined) return undefined;
  try {
    return JSON.parse(found.text) as unknown;
  } catch {
    throw new Error(`${container.containerName}/${blobName} is not JSON`);
  }
}

/** Builds the sources over the app's clients. */
export function azureStatusSources(deps: {
  appBlobs: BlobServiceClient;
  /** The backup container: the usage export records live beside the exports (shared/backups/usageExport.ts). */
  backupContainer: ContainerClient;
  queues: QueueServiceClient;
  durable: DurableReader;
  plansDir: string;
  /** What plans are checked against (shared/plans/load.ts `planCheckContext`). */
  planContext: PlanCheckContext;
}): StatusSources {
  const digests = serviceDigests(deps.appBlobs.getContainerClient(DIGEST_CONTAINER));
  const usageExports = usageExportRecords(deps.backupContainer);
  return {
    readServiceDigest: async (service) => (await digests.read(serviceDigestBlob(service)))?.value,
    readUsageExport: async (service) => (await usageExports.read(usageExportRecordName(service)))?.value,
    async commandsInFlight() {
      const running = await deps.durable.getStatusBy({ runtimeStatus: ['Running', 'Pending'] });
      return running.flatMap((s) => {
        const c = s.customStatus as { phase?: unknown; site?: unknown } | null | undefined;
        return s.name?.toLowerCase() === RUN_AGENT_COMMAND &&
          c?.phase === 'awaitingResult' &&
          typeof c.site === 'string'
          ? [c.site]
          : [];
      });
    },
    readAppJson: (container, blobName) => getJsonBlob(deps.appBlobs.getContainerClient(container), blobName),
    async queueCount(queueName) {
      try {
        const p = await deps.queues.getQueueClient(queueName).getProperties();
        return p.approximateMessagesCount ?? 0;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async plans() {
      const entries = await loadPlans(deps.plansDir, deps.planContext);
      if (entries.length === 0) return undefined;
      return entries.map((e) => ({
        plan: e.name ?? e.file.replace(/\.json$/i, ''),
        problems: [...e.problems],
      }));
    },
  };
}
