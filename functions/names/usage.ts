import type {
  ExportApimReportsInput,
  UsageExportResult,
  UsageExportRunInput,
  UsageExportRunResult,
} from '../../shared/backups/usageExport';
import { activityRef, orchestrationRef } from './refs';

/**
 * The usage export area (issue 22, item 14): APIM usage reports are not in backups, so a timer
 * (%LIFEBOAT_APIM_REPORTS_SCHEDULE%) starts `apimUsageExport`, which exports each protected
 * service's reports (`exportApimReports`) as JSON lines into the backup container. Type imports only.
 */
export const usage = {
  scheduledApimReports: 'scheduledApimReports',
  apimUsageExport: orchestrationRef<UsageExportRunInput, UsageExportRunResult>('apimUsageExport'),
  exportApimReports: activityRef<ExportApimReportsInput, UsageExportResult>('exportApimReports'),
} as const;
