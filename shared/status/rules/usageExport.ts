import type { UsageExportRecord } from '../../backups/usageExport';
import { humanDuration } from '../colour';
import type { UsageExportLine } from '../report';

/**
 * The newest APIM usage export of a service as the status page shows it (issue 22, item 14). It
 * does not colour "can we recover now?": usage analytics are history, not something a recovery
 * needs. Pure: `now` is an input.
 */
export function usageExportLine(
  service: string,
  record: UsageExportRecord | undefined,
  now: Date,
): UsageExportLine {
  const newest = record?.newest ?? null;
  const attempt = record?.lastAttempt ?? null;
  const ago = (iso: string) => `${humanDuration(Math.max(0, now.getTime() - Date.parse(iso)))} ago`;
  const newestText =
    newest === null
      ? 'no usage export yet'
      : `newest export ${ago(newest.exportedAt)}: ${newest.from} to ${newest.to} (${newest.records.byApi} by API, ${newest.records.byOperation} by operation, ${newest.records.byTime} by time) in ${newest.blobName}`;
  const failed =
    attempt?.outcome === 'failed'
      ? `; the last attempt ${ago(attempt.at)} failed: ${attempt.error?.message ?? 'no reason recorded'}`
      : '';
  return {
    service,
    newest: newest === null ? null : { ...newest },
    lastAttempt: attempt === null ? null : { ...attempt },
    text: `${newestText}${failed}`,
  };
}
