import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { ApimClient } from '../apim/port';
import { REPORT_KINDS, type ReportKind, type UsageRecord } from '../apim/reports';
import type { ApimServiceId } from '../azure/resourceId';
import { publicError, type Problem } from '../errors';
import { listBlobNames, recordStore, writeBlobText } from '../storage';
import { formatStamp, parseStamp } from './naming';
import { decidePrune, type PrunePolicy } from './prune';
import type { BackupStore } from './store';

/**
 * The export of APIM usage reports (issue 22, item 14): usage analytics are not in a backup
 * (docs/reference/apim-backup-restore.md, "The backup blob"), and the procedure says to export them
 * regularly. Each export covers the period since the previous one (so a failed export is covered by
 * the next), writes the reports by API, by operation and by time as JSON lines into the backup
 * container, records itself as the service's newest export (what the status page shows), and
 * prunes older exports by the backups' retention rule.
 *
 * Layout in the backup container (folders that cannot clash with a service folder, as service
 * names start with a letter):
 * - `_reports/<service>/<service>-<yyyyMMddTHHmmssZ>.jsonl`: one export, named by its period's end;
 * - `_reports/<service>.latest.json`: the newest export and the last attempt.
 */

export const REPORTS_FOLDER = '_reports/';
const EXTENSION = '.jsonl';

/** The blob of an export of `serviceName` whose period ends at `to`. */
export function usageExportBlobName(serviceName: string, to: Date): string {
  const s = serviceName.toLowerCase();
  return `${REPORTS_FOLDER}${s}/${s}-${formatStamp(to)}${EXTENSION}`;
}

/** The period's end of an export blob this module named; undefined for anything else. */
export function parseUsageExportName(name: string, serviceName: string): Date | undefined {
  const s = serviceName.toLowerCase();
  const head = `${REPORTS_FOLDER}${s}/${s}-`;
  if (!name.startsWith(head) || !name.endsWith(EXTENSION)) return undefined;
  return parseStamp(name.slice(head.length, -EXTENSION.length));
}

/** The record of the service's newest export. */
export function usageExportRecordName(serviceName: string): string {
  return `${REPORTS_FOLDER}${serviceName.toLowerCase()}.latest.json`;
}

/** The longest period one export covers: after a long outage, older usage is not exported (and said so). */
export const MAX_EXPORT_PERIOD_MS = 30 * 24 * 3_600_000;

/** The period an export covers, and whether usage before it was skipped (a gap). Pure. */
export function exportPeriod(input: {
  /** The end of the previous export's period, if any. */
  previousTo: Date | undefined;
  now: Date;
  /** The schedule's interval: the first export covers one. */
  intervalMs: number;
  maxPeriodMs?: number;
}): { from: Date; to: Date; gapFrom?: Date } {
  const max = input.maxPeriodMs ?? MAX_EXPORT_PERIOD_MS;
  const now = input.now.getTime();
  const prev = input.previousTo?.getTime();
  if (prev === undefined || prev > now)
    return { from: new Date(now - Math.min(input.intervalMs, max)), to: input.now };
  if (now - prev > max) return { from: new Date(now - max), to: input.now, gapFrom: new Date(prev) };
  return { from: new Date(prev), to: input.now };
}

/** The export's JSON lines: one report record a line, with its report and period. Pure. */
export function toJsonLines(
  period: { from: Date; to: Date },
  reports: Readonly<Record<ReportKind, readonly UsageRecord[]>>,
): string {
  const from = period.from.toISOString();
  const to = period.to.toISOString();
  const lines: string[] = [];
  for (const report of REPORT_KINDS)
    for (const record of reports[report])
      lines.push(JSON.stringify({ report, periodFrom: from, periodTo: to, ...record }));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * Which exports to delete: the backups' retention rule (shared/backups/prune.ts), every export
 * counting as verified, so the newest `keepNewest` always stay and older ones age out. Pure.
 */
export function exportsToPrune(
  names: readonly string[],
  serviceName: string,
  policy: Omit<PrunePolicy, 'now'> & { now: Date },
): string[] {
  const entries = names.flatMap((name) => {
    const takenAt = parseUsageExportName(name, serviceName);
    return takenAt === undefined ? [] : [{ name, takenAt, verified: true, sizeBytes: 0 }];
  });
  return decidePrune(entries, policy).delete.map((e) => e.name);
}

const problemSchema = z.strictObject({ code: z.string(), message: z.string() });
const exportSchema = z.strictObject({
  blobName: z.string(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  exportedAt: z.iso.datetime(),
  records: z.strictObject({ byApi: z.number(), byOperation: z.number(), byTime: z.number() }),
  sizeBytes: z.number().int().min(0),
  /** Usage older than `from` and newer than this was not exported (a gap after a long outage). */
  gapFrom: z.iso.datetime().optional(),
});

/** The record of a service's newest export and its last attempt (what the status page reads). */
export const usageExportRecordSchema = z.strictObject({
  service: z.string(),
  newest: exportSchema.nullable(),
  lastAttempt: z.strictObject({
    at: z.iso.datetime(),
    outcome: z.enum(['succeeded', 'failed']),
    error: problemSchema.optional(),
  }),
});
export type UsageExportRecord = z.infer<typeof usageExportRecordSchema>;

/** What one service's export did. */
export interface UsageExportResult {
  service: string;
  outcome: 'succeeded' | 'failed';
  blobName?: string;
  from?: string;
  to?: string;
  records?: Record<ReportKind, number>;
  pruned?: number;
  error?: Problem;
}

/** The records store of the newest exports (the status page reads the same blobs by name). */
export function usageExportRecords(container: ContainerClient) {
  return recordStore({
    container,
    schema: usageExportRecordSchema,
    label: 'usage exports',
    corrupt: 'absent',
  });
}

/**
 * Exports one service's reports for the period since its previous export, records it, and prunes
 * older exports. A failure is recorded as the last attempt (the newest export stays) and rethrown.
 */
export async function exportServiceUsage(
  deps: { apim: ApimClient; container: ContainerClient; store: BackupStore },
  service: ApimServiceId,
  options: { now: Date; intervalMs: number; retentionDays: number; keepNewest: number },
): Promise<UsageExportResult> {
  const records = usageExportRecords(deps.container);
  const recordName = usageExportRecordName(service.serviceName);
  const previous = (await records.read(recordName))?.value;
  const newest = previous?.newest ?? null;
  const period = exportPeriod({
    previousTo: newest === null ? undefined : new Date(newest.to),
    now: options.now,
    intervalMs: options.intervalMs,
  });
  try {
    const [byApi, byOperation, byTime] = await Promise.all(
      REPORT_KINDS.map((kind) => deps.apim.listReports(service, kind, period)),
    );
    const reports = { byApi: byApi ?? [], byOperation: byOperation ?? [], byTime: byTime ?? [] };
    const text = toJsonLines(period, reports);
    const blobName = usageExportBlobName(service.serviceName, period.to);
    await writeBlobText(deps.container, blobName, text, {
      contentType: 'application/x-ndjson',
      label: 'usage exports',
    });
    const counts = {
      byApi: reports.byApi.length,
      byOperation: reports.byOperation.length,
      byTime: reports.byTime.length,
    };
    await records.put(recordName, {
      service: service.serviceName,
      newest: {
        blobName,
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        exportedAt: options.now.toISOString(),
        records: counts,
        sizeBytes: Buffer.byteLength(text),
        ...(period.gapFrom === undefined ? {} : { gapFrom: period.gapFrom.toISOString() }),
      },
      lastAttempt: { at: options.now.toISOString(), outcome: 'succeeded' },
    });
    const prefix = `${REPORTS_FOLDER}${service.serviceName.toLowerCase()}/`;
    const names = await listBlobNames(deps.container, prefix, `the usage exports of ${service.serviceName}`);
    const doomed = exportsToPrune(names, service.serviceName, {
      now: options.now,
      retentionDays: options.retentionDays,
      keepNewest: options.keepNewest,
    });
    const pruned = doomed.length === 0 ? 0 : (await deps.store.deleteBatched(doomed)).deleted;
    return {
      service: service.serviceName,
      outcome: 'succeeded',
      blobName,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      records: counts,
      pruned,
    };
  } catch (error) {
    const problem = publicError(error);
    await records.put(recordName, {
      service: service.serviceName,
      newest,
      lastAttempt: { at: options.now.toISOString(), outcome: 'failed', error: problem },
    });
    throw error;
  }
}

// ------------------------------------------------------------------------------------------------
// The export run (timer → orchestration → one activity per service)

/** The singleton instance id of the export run: a run still going is not stacked. */
export const USAGE_EXPORT_INSTANCE_ID = 'apim-usage-export';

/** The export run's input: the services, in configuration order, and the retry of each export. */
export const usageExportRunInputSchema = z.strictObject({
  services: z.array(z.string().min(1)).max(100),
  retry: z.strictObject({
    limit: z.number().int().min(0),
    baseMs: z.number().int().min(0),
    maxMs: z.number().int().min(0),
  }),
});
export type UsageExportRunInput = z.infer<typeof usageExportRunInputSchema>;

/** One export's input: the service and the run's time (the period ends there). */
export const exportApimReportsInput = z.strictObject({
  serviceName: z.string().min(1),
  now: z.iso.datetime(),
});
export type ExportApimReportsInput = z.infer<typeof exportApimReportsInput>;

/** What the run did: each service's export, and one outcome. */
export interface UsageExportRunResult {
  outcome: 'succeeded' | 'partial' | 'failed' | 'refused';
  error?: Problem;
  services: UsageExportResult[];
}

/** The run's input from configuration: pure. */
export function buildUsageExportInput(
  services: readonly { serviceName: string }[],
  retry: { retryBaseSeconds: number },
): UsageExportRunInput {
  const baseMs = retry.retryBaseSeconds * 1000;
  return {
    services: services.map((s) => s.serviceName),
    retry: { limit: 2, baseMs, maxMs: Math.max(baseMs, 5 * 60_000) },
  };
}

/** The run's outcome from its services' (none failed: succeeded; all failed: failed; else partial). Pure. */
export function usageExportOutcome(results: readonly UsageExportResult[]): UsageExportRunResult {
  const failed = results.filter((r) => r.outcome === 'failed');
  const outcome = failed.length === 0 ? 'succeeded' : failed.length === results.length ? 'failed' : 'partial';
  const first = failed[0]?.error;
  return {
    outcome,
    ...(first === undefined
      ? {}
      : {
          error: {
            code: first.code,
            message: `${failed.length} of ${results.length} usage exports failed (first: ${failed[0]?.service}: ${first.message}); the next export covers their period`,
          },
        }),
    services: [...results],
  };
}
