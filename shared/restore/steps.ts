import { probeHealth } from '../http/probe';
import type { ApimServiceInfo } from '../apim/port';
import { parseApimResourceId, type ApimServiceId } from '../azure/resourceId';
import type { Config } from '../config';
import { decidePreflight } from '../backups/preflight';
import { parseBackupBlobName } from '../backups/naming';
import { NonRetryableError } from '../errors';
import { compareManifests, describeDifference } from '../apim/manifest';
import { backupsWithManifest, readManifestBlob } from './manifestStore';
import { beginRestoreOnce, createRestoreOperationLog } from './operations';
import type { RestoreDeps } from './deps';
import { MAX_LISTED_DIFFERENCES, type ConfiguredService, type RestoreVerification } from './run';
import { DEFAULT_RESTORE_WINDOW, selectBackup, type BackupRecord } from './select';
import { decideRestoreTarget, type RestoreMode } from './target';
import type {
  PreflightRestoreTargetOutput,
  SelectRestoreBackupOutput,
  SmokeCheckGatewayOutput,
} from './contracts';

/**
 * The restore's steps, one function per activity (the function files stay thin): preflight the
 * target, select the backup, begin once, verify against the backup's manifest, smoke-check the
 * gateway. They do the I/O; what an answer means is decided in ./verdicts.ts, ./select.ts and
 * ./target.ts.
 */

/** The ARM id parsed, or a non-retryable `InvalidTarget`. */
export function targetId(resourceId: string): ApimServiceId {
  const parsed = parseApimResourceId(resourceId.trim());
  if (!parsed.ok)
    throw new NonRetryableError(`target ${resourceId.trim().slice(0, 300)}: ${parsed.error}`, {
      code: 'InvalidTarget',
    });
  return parsed.value;
}

/** Reads the target and decides whether a restore may begin now (tier, workspaces, transitions). */
export async function preflightTarget(
  deps: RestoreDeps,
  resourceId: string,
): Promise<PreflightRestoreTargetOutput> {
  let info: ApimServiceInfo;
  try {
    info = await (await deps.apim()).getService(targetId(resourceId));
  } catch (error) {
    if (error instanceof NonRetryableError && error.code === 'ResourceNotFound')
      throw new NonRetryableError(`the restore target ${resourceId.trim()} does not exist`, {
        code: 'TargetNotFound',
      });
    throw error;
  }
  const decision = decidePreflight(info);
  // decidePreflight speaks of backups; a restore target's refusal says "restored into".
  const out =
    decision.kind === 'unsupported'
      ? { ...decision, reason: decision.reason.replace('cannot be backed up', 'cannot be restored into') }
      : decision;
  return { decision: out, tier: info.sku.name, location: info.location };
}

/** The backups of a service as the catalog records them (listing with metadata). */
export async function selectFromStore(
  deps: RestoreDeps,
  input: { serviceName: string; targetTier: string; backup: string; now: string },
): Promise<SelectRestoreBackupOutput> {
  const [listed, withManifest] = await Promise.all([
    deps.store.list(input.serviceName, { includeMetadata: true }),
    backupsWithManifest(deps.container, input.serviceName),
  ]);
  const backups: BackupRecord[] = listed.map((b) => ({
    name: b.name,
    serviceName: b.metadata['service'] ?? parseBackupBlobName(b.name)?.serviceName ?? '',
    takenAt: b.metadata['takenat'] !== undefined ? new Date(b.metadata['takenat']) : b.takenAt,
    verified: b.verified,
    tier: b.metadata['tier'],
    hasManifest: withManifest.has(b.name),
    configChanges: b.configChanges,
  }));
  const decision = selectBackup({
    backups,
    serviceName: input.serviceName,
    targetTier: input.targetTier,
    now: new Date(input.now),
    backup: input.backup,
    window: { days: DEFAULT_RESTORE_WINDOW.days, safetyMarginHours: deps.config.restore.windowMarginHours },
  });
  return decision.ok
    ? {
        ok: true,
        backup: { name: decision.backup.name, takenAt: decision.backup.takenAt.toISOString() },
        ageMs: decision.ageMs,
        ...(decision.warnings === undefined ? {} : { warnings: decision.warnings }),
      }
    : decision;
}

/** The configured service named `serviceName`. */
export function configuredService(config: Config, serviceName: string): Config['backup']['services'][number] {
  const s = config.backup.services.find((x) => x.serviceName.toLowerCase() === serviceName.toLowerCase());
  if (s === undefined)
    throw new NonRetryableError(`${serviceName} is not a configured service`, { code: 'UnknownService' });
  return s;
}

/**
 * A failback's restore (issue 23, ./reversed.ts): the pair whose standby is `standbyName`,
 * reversed, only while Lifeboat's record says that standby carries production.
 */
async function failbackService(
  deps: RestoreDeps,
  standbyName: string,
  mode: RestoreMode,
): Promise<ConfiguredService> {
  const { pairOfStandby, reversedPair, failbackPairRefusal } = await import('./reversed');
  const { createStandbyStore } = await import('../standby/store');
  const pair = pairOfStandby(deps.config.backup.services, standbyName);
  const reversed = pair === undefined ? undefined : reversedPair(pair, mode);
  if (pair === undefined || reversed === undefined)
    throw new NonRetryableError(`${standbyName} is not the standby of a configured service`, {
      code: 'UnknownService',
    });
  const refusal = failbackPairRefusal(pair, await createStandbyStore(deps.container).read(pair.serviceName));
  if (refusal !== undefined) throw new NonRetryableError(refusal.message, { code: refusal.code });
  return reversed;
}

/**
 * Sends the restore POST into the target, after checking the target rules again against the
 * configuration (the rules are the last word before an overwrite, whoever built the input), at
 * most once per run: a begin delivered again finds its run's accepted POST (operations.ts).
 */
export async function beginRestore(
  deps: RestoreDeps,
  input: {
    serviceName: string;
    targetResourceId: string;
    mode: RestoreMode;
    blobName: string;
    runId: string;
    now: string;
    failback?: true | undefined;
  },
  log?: (message: string) => void,
): Promise<
  | { status: 'running'; token: string; retryAfterMs: number | null }
  | { status: 'succeeded'; completedAt?: string }
> {
  const service =
    input.failback === true
      ? await failbackService(deps, input.serviceName, input.mode)
      : configuredService(deps.config, input.serviceName);
  const rule = decideRestoreTarget(
    {
      resourceId: service.resourceId,
      standbyResourceId: service.standby?.resourceId,
      drillTargetResourceIds: service.drillTargets.map((d) => d.resourceId),
      allowRestoreOverPrimary: service.allowRestoreOverPrimary,
    },
    input.targetResourceId,
    input.mode,
  );
  if (!rule.ok) throw new NonRetryableError(rule.message, { code: rule.code });
  const b = deps.config.backup;
  const begun = await beginRestoreOnce(
    {
      apim: await deps.apim(),
      operations: createRestoreOperationLog(deps.container),
      ...(log === undefined ? {} : { log }),
    },
    {
      target: targetId(rule.resourceId),
      runId: input.runId,
      now: new Date(input.now),
      request: {
        storageAccount: deps.storageAccount,
        containerName: b.container,
        backupName: input.blobName,
        accessType: b.accessType,
        ...(b.accessType === 'AccessKey' && b.accessKey !== undefined ? { accessKey: b.accessKey } : {}),
        ...(b.accessType === 'UserAssignedManagedIdentity' && b.identityClientId !== undefined
          ? { clientId: b.identityClientId }
          : {}),
      },
    },
  );
  return begun.status === 'running'
    ? { status: 'running', token: begun.token, retryAfterMs: begun.retryAfterMs ?? null }
    : begun;
}

/** Reads the target's manifest and compares it with the manifest written beside the backup. */
export async function verifyTarget(
  deps: RestoreDeps,
  input: { targetResourceId: string; blobName: string },
): Promise<RestoreVerification> {
  let expected;
  try {
    expected = await readManifestBlob(deps.container, input.blobName);
  } catch (error) {
    if (error instanceof NonRetryableError && error.code === 'ManifestMissing')
      return { equal: false, manifestMissing: true, differences: [], differenceCount: 0 };
    throw error;
  }
  const actual = await (await deps.apim()).readManifest(targetId(input.targetResourceId));
  const comparison = compareManifests(expected, actual);
  return {
    equal: comparison.equal,
    differences: comparison.differences.slice(0, MAX_LISTED_DIFFERENCES).map(describeDifference),
    differenceCount: comparison.differences.length,
  };
}

/** The gateway health path every APIM gateway answers (apim-backup-restore.md). */
export const HEALTH_PATH = '/status-0123456789abcdef';

/** GETs the target gateway's health path once. Network errors are transient; any HTTP status is an answer. */
export async function probeGateway(
  deps: RestoreDeps,
  resourceId: string,
  timeoutMs = 30_000,
): Promise<SmokeCheckGatewayOutput> {
  const info = await (await deps.apim()).getService(targetId(resourceId));
  if (info.gatewayUrl === undefined)
    throw new NonRetryableError(`${resourceId.trim()} reports no gateway URL`, { code: 'NoGatewayUrl' });
  const url = new URL(HEALTH_PATH, info.gatewayUrl);
  const httpStatus = await probeHealth(url, {
    timeoutMs,
    caFile: deps.config.core.armCaFile,
    unreachable: { what: `gateway health probe of ${info.name}`, code: 'GatewayUnreachable' },
  });
  return { ok: httpStatus === 200, httpStatus };
}
