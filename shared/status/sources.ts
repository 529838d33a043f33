import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import { summaryBlobName, type BackupStore, type StoredCatalogSummary } from '../backups/store';
import type { LastRunStatus } from '../backups/report';
import { usageExportRecordName, usageExportRecords } from '../backups/usageExport';
import { errorMessage } from '../errors';
import { createRestoreTargets } from '../restore/claimStore';
import { loadPlans, type PlanCheckContext } from '../plans/load';
import { isNotFound, readBlobText } from '../storage';
import type { StatusSources } from './read';

/**
 * The Azure adapters behind {@link StatusSources}: blobs read by name (never listed), queue
 * properties, durable statuses by id and one durable query of running instances.
 */

/** What the status page needs of the durable client (a structural subset of durable-functions' DurableClient). */
export interface DurableReader {
  getStatus(instanceId: string): Promise<{
    runtimeStatus?: string | undefined;
    createdTime?: Date | string | undefined;
    lastUpdatedTime?: Date | string | undefined;
    output?: unknown;
    customStatus?: unknown;
  }>;
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

/** A catalog summary as `pruneBackups` writes it, checked field by field; undefined when it is not one. */
export function catalogSummaryOf(value: unknown): StoredCatalogSummary | undefined {
  const v = value as Partial<StoredCatalogSummary> | null | undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  const time = (t: unknown) => typeof t === 'string' && !Number.isNaN(Date.parse(t));
  const n = v.newestVerified;
  if (!time(v.asOf) || typeof v.count !== 'number' || typeof v.verifiedCount !== 'number') return undefined;
  if (n !== null && (typeof n !== 'object' || typeof n.name !== 'string' || !time(n.takenAt)))
    return undefined;
  const r = v.newestRestoreVerified;
  if (r !== undefined && r !== null && (typeof r.name !== 'string' || !time(r.takenAt) || !time(r.at)))
    return undefined;
  const l = v.lastRestoreVerification;
  if (l !== undefined && l !== null && (typeof l.blobName !== 'string' || !time(l.at))) return undefined;
  return v as StoredCatalogSummary;
}

/** Builds the sources over the app's clients. */
export function azureStatusSources(deps: {
  backups: BackupStore;
  /** The backup container (for the catalog summaries). */
  backupContainer: ContainerClient;
  appBlobs: BlobServiceClient;
  queues: QueueServiceClient;
  durable: DurableReader;
  plansDir: string;
  /** What plans are checked against (shared/plans/load.ts `planCheckContext`). */
  planContext: PlanCheckContext;
}): StatusSources {
  const targets = createRestoreTargets(deps.backupContainer);
  const usageExports = usageExportRecords(deps.backupContainer);
  return {
    readUsageExport: async (service) => (await usageExports.read(usageExportRecordName(service)))?.value,
    readCatalogSummary: async (service) =>
      catalogSummaryOf(await getJsonBlob(deps.backupContainer, summaryBlobName(service))),
    headBackup: (name) => deps.backups.head(name),
    readRestoreTarget: (targetResourceId) => targets.read(targetResourceId),
    async runStatus(instanceId): Promise<LastRunStatus | undefined> {
      try {
        const s = await deps.durable.getStatus(instanceId);
        // durable-functions 3 answers a missing instance with an empty status or a 404 error.
        if (s === undefined || s === null || s.runtimeStatus === undefined || s.runtimeStatus === null)
          return undefined;
        return {
          runtimeStatus: s.runtimeStatus,
          createdTime: s.createdTime,
          lastUpdatedTime: s.lastUpdatedTime,
          output: s.output,
          customStatus: s.customStatus,
        };
      } catch (error) {
        if (/\b404\b/.test(errorMessage(error))) return undefined;
        throw error;
      }
    },
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
