import type { ConfigurationManifest } from './manifest';
import type { ApimServiceId } from '../azure/resourceId';
import type { ReportKind, UsageRecord } from './reports';

/**
 * The port through which Lifeboat talks to API Management. Implemented over
 * `@azure/arm-apimanagement` (shared/apim/client.ts); orchestrations reach it only through
 * activities. All methods throw `TransientError` (409 ServiceLocked, 408, 429, 5xx, network) or
 * `NonRetryableError` (4xx validation, RestoreFailed, unsupported tier, 404) with the ARM error
 * code in `code` (docs/reference/apim-backup-restore.md).
 */
export interface ApimClient {
  /** Reads a service: tier, region, state. Unknown service → NonRetryableError code ResourceNotFound. */
  getService(id: ApimServiceId): Promise<ApimServiceInfo>;
  /**
   * Sends the backup POST and returns at once with a serialisable poll token. Once the POST was
   * accepted (202 with its Location) this never throws: an error on the poll that follows it is
   * left to the next `pollOnce`, so a caller that retries errors never POSTs twice.
   */
  beginBackup(id: ApimServiceId, request: BackupRestoreRequest): Promise<OperationPoll>;
  /** Sends the restore POST and returns at once with a serialisable poll token. */
  beginRestore(id: ApimServiceId, request: BackupRestoreRequest): Promise<OperationPoll>;
  /**
   * Polls a running operation once from its token (the SDK's `poller.toString()` state; it holds
   * the absolute polling URL and no credential). A failed operation throws the classified error.
   * A 403 on the poll (the caller may POST but not read the operation; the operation goes on)
   * answers `unobservable` with what to watch instead, when the token names it.
   */
  pollOnce(token: string): Promise<OperationPoll>;
  /** Every API (one item per revision listed), all pages. */
  listApis(id: ApimServiceId): Promise<ApiSummary[]>;
  /** Every product, all pages. */
  listProducts(id: ApimServiceId): Promise<ProductSummary[]>;
  /** Every named value's name and secret flag, all pages; values are never read. */
  listNamedValues(id: ApimServiceId): Promise<NamedValueSummary[]>;
  /**
   * The configuration manifest of the service: API names with revisions, products, named value
   * names and whether they are secret (never values), and counts (docs/reference/recovery.md).
   */
  readManifest(id: ApimServiceId): Promise<ConfigurationManifest>;
  /**
   * Every record of one usage report for the period (`reports/byApi|byOperation|byTime`, all
   * pages; by time in intervals of {@link REPORT_INTERVAL}), as plain JSON.
   */
  listReports(id: ApimServiceId, kind: ReportKind, period: { from: Date; to: Date }): Promise<UsageRecord[]>;
}

/** An API revision as listed (`name` is `api;rev=N` for a revision that is not current). */
export interface ApiSummary {
  name: string;
  apiRevision: string;
  isCurrent: boolean;
  path: string;
  displayName: string;
}

/** A product as listed. */
export interface ProductSummary {
  name: string;
  displayName: string;
  state: string | undefined;
}

/** A named value as listed, without its value: a manifest holds names and flags only. */
export interface NamedValueSummary {
  name: string;
  displayName: string;
  secret: boolean;
}

/** Where the backup blob lives and how APIM authenticates to storage. Never logged whole. */
export interface BackupRestoreRequest {
  storageAccount: string;
  containerName: string;
  backupName: string;
  accessType: 'AccessKey' | 'SystemAssignedManagedIdentity' | 'UserAssignedManagedIdentity';
  /** Only with AccessKey. A secret: read inside the activity from configuration, never passed through orchestration state. */
  accessKey?: string;
  /** Only with UserAssignedManagedIdentity. */
  clientId?: string;
}

/**
 * What shows an operation's effect when its result cannot be read (403 on the poll): the backup
 * blob for a backup; the target service's provisioning state for a restore (Updating while the
 * restore runs, Succeeded again once it ended: reference/recovery.md).
 */
export type OperationWatch = { kind: 'blob'; name: string } | { kind: 'service'; resourceId: string };

/** The state of a long-running backup/restore after one POST or one poll. */
export type OperationPoll =
  | { status: 'running'; token: string; retryAfterMs: number | undefined }
  | {
      status: 'succeeded';
      service: ApimServiceInfo;
      /**
       * When the operation completed as the service reported it (ISO), when its final answer says
       * so (shared/apim/completion.ts); undefined when it does not, as live ARM's does not.
       */
      completedAt?: string;
    }
  /** 403 on the poll: the operation's result cannot be read; watch its effect until the deadline. */
  | { status: 'unobservable'; token: string; watch: OperationWatch };

/** What Lifeboat needs from `ApiManagementServiceResource`. */
export interface ApimServiceInfo {
  resourceId: string;
  name: string;
  location: string;
  sku: { name: string; capacity: number };
  provisioningState: string;
  targetProvisioningState: string;
  gatewayUrl: string | undefined;
  /** True when the service has workspaces (backup/restore unsupported). Unknown → false. */
  hasWorkspaces: boolean;
  etag: string | undefined;
}

/** Tiers that support backup/restore (apim-backup-restore.md, "Tiers"). */
export const BACKUP_TIERS: readonly string[] = ['Developer', 'Basic', 'Standard', 'Premium'];
