import { z } from 'zod';
import { normaliseResourceId } from '../../azure/resourceId';
import { defineSection, intSetting, jsonSetting } from '../define';
import { Cron } from 'croner';
import { parseApimResourceId } from '../../azure/resourceId';
import { isIanaTimeZone } from '../../schedule/timer';

/** True when croner (same six-field layout as NCRONTAB) can parse the expression and it ever fires. */
function isValidSchedule(expression: string): boolean {
  try {
    return (
      // domAndDow: day-of-month AND day-of-week, NCrontab's rule (see timerSchedule in backups/rpo).
      new Cron(expression, { paused: true, timezone: 'UTC', domAndDow: true }).nextRun(
        new Date(Date.UTC(2026, 0, 1)),
      ) !== null
    );
  } catch {
    return false;
  }
}

/** A six-field NCRONTAB setting (a timer's `%SETTING%` schedule), validated as the host would parse it. */
export function scheduleSetting(fallback: string, description: string) {
  return z
    .string()
    .regex(/^\S+( \S+){5}$/, {
      error: 'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})',
    })
    .refine(isValidSchedule, {
      error: 'must be a valid NCRONTAB expression (a field is out of range or malformed)',
    })
    .default(fallback)
    .describe(description);
}

/**
 * An APIM ARM id, checked at field level (not only in the section's transform) so a malformed id
 * is reported together with every other bad key: zod skips a transform once any field failed.
 */
const apimResourceId = z.string().superRefine((text, ctx) => {
  const parsed = parseApimResourceId(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
});

/** A parsed id; the field-level check above has already refused a malformed one. */
const parsedId = (text: string) => {
  const parsed = parseApimResourceId(text);
  return parsed.ok ? [parsed.value] : [];
};

const protectedService = z
  .strictObject({
    resourceId: apimResourceId.describe('ARM id of the APIM service to back up'),
    standbyResourceId: apimResourceId.optional().describe('ARM id of the standby service it fails over to'),
    drillTargetResourceIds: z
      .array(apimResourceId, { error: 'must be an array of APIM ARM ids' })
      .max(10, { error: 'must list at most 10 drill targets' })
      .optional()
      .describe('ARM ids of APIM services of the same tier that drills and the restore canary may overwrite'),
    allowRestoreOverPrimary: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe('Explicit opt-in to restore over the protected service itself (never in a drill)'),
    standbySync: z
      .boolean({ error: 'must be true or false' })
      .default(true)
      .describe(
        'Whether the standby sync (LIFEBOAT_STANDBY_SYNC_SCHEDULE) keeps the standby warm (default true)',
      ),
  })
  .superRefine((s, ctx) => {
    // A drill target is overwritten by drills and the weekly canary: it must be neither the
    // primary nor the standby (after a failover the standby serves production).
    const seen = new Set<string>();
    (s.drillTargetResourceIds ?? []).forEach((text, j) => {
      const key = normaliseResourceId(text);
      const path = ['drillTargetResourceIds', j];
      if (key === normaliseResourceId(s.resourceId))
        ctx.addIssue({
          code: 'custom',
          path,
          message:
            'must not be the protected service itself (resourceId): drills never restore over the primary',
        });
      else if (s.standbyResourceId !== undefined && key === normaliseResourceId(s.standbyResourceId))
        ctx.addIssue({
          code: 'custom',
          path,
          message:
            'must not be the standby (standbyResourceId): after a failover it serves production, and drills overwrite their targets',
        });
      else if (seen.has(key))
        ctx.addIssue({ code: 'custom', path, message: 'lists the same drill target twice' });
      seen.add(key);
    });
  })
  .transform((s) => ({
    ...s,
    drillTargets: (s.drillTargetResourceIds ?? []).flatMap(parsedId),
  }));

/**
 * Blob container rules as Azure Storage states them; APIM also rejects upper case
 * (docs/reference/apim-backup-restore.md, "container name with upper-case letters").
 */
export const containerName = z.string().regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
  error:
    'must be 3-63 characters of lower-case letters, digits and single hyphens, starting and ending with a letter or digit',
});

/** Scheduled APIM backups, retention and where backups go. */
export const backupSection = defineSection(
  'backup',
  {
    LIFEBOAT_PROTECTED_SERVICES: jsonSetting(
      z.array(protectedService).max(100, { error: 'must list at most 100 services' }),
      'JSON array of `{ "resourceId": "/subscriptions/.../service/<name>", "standbyResourceId"?: "...", "drillTargetResourceIds"?: ["..."], "allowRestoreOverPrimary"?: false, "standbySync"?: true }`: the APIM services to back up, the standby each fails over to, the same-tier services drills and the restore canary may overwrite, the explicit opt-in to restore over the service itself (never in a drill), and whether the standby sync keeps the standby warm.',
    ).default([]),
    LIFEBOAT_BACKUP_STORAGE_ACCOUNT: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, {
        error: 'must be a storage account name: 3-24 lower-case letters and digits',
      })
      .optional()
      .describe(
        'Storage account (name) APIM writes backups to. Defaults to the account of the BackupStorage connection.',
      ),
    LIFEBOAT_BACKUP_CONTAINER: containerName
      .default('apim-backups')
      .describe('Private blob container for backups.'),
    LIFEBOAT_BACKUP_ACCESS_TYPE: z
      .enum(['SystemAssignedManagedIdentity', 'UserAssignedManagedIdentity', 'AccessKey'], {
        error: 'must be SystemAssignedManagedIdentity, UserAssignedManagedIdentity or AccessKey',
      })
      .default('SystemAssignedManagedIdentity')
      .describe(
        'How APIM reaches the storage account. Identities are preferred; AccessKey only when set explicitly.',
      ),
    LIFEBOAT_BACKUP_IDENTITY_CLIENT_ID: z
      .uuid({
        error: 'must be a GUID (the client id of a user-assigned identity attached to the APIM service)',
      })
      .optional()
      .describe('Client id of the user-assigned identity (required with UserAssignedManagedIdentity).'),
    LIFEBOAT_BACKUP_ACCESS_KEY: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Storage account key (secret; a Key Vault reference in Azure). Required with AccessKey, refused otherwise.',
      ),
    LIFEBOAT_BACKUP_SCHEDULE: scheduleSetting(
      '0 0 */6 * * *',
      'When backups run (NCRONTAB, UTC unless WEBSITE_TIME_ZONE is set; day-of-month and day-of-week must both match).',
    ),
    LIFEBOAT_APIM_REPORTS_SCHEDULE: scheduleSetting(
      '0 30 0 * * *',
      'When the usage reports of each protected service (by API, by operation, by time) are exported as JSON lines into the backup container (NCRONTAB, time zone as the backup schedule). Usage analytics are not in backups. Each export covers the time since the previous one; exports are pruned like backups (LIFEBOAT_BACKUP_RETENTION_DAYS, LIFEBOAT_BACKUP_KEEP_NEWEST).',
    ),
    WEBSITE_TIME_ZONE: z
      .string()
      .refine(isIanaTimeZone, {
        error:
          'must be an IANA (tz database) time zone name such as Europe/Berlin or America/New_York (Lifeboat runs on Linux, where Windows zone ids are not accepted)',
      })
      .optional()
      .describe(
        'Platform setting: the time zone the backup schedule runs in and the RPO is derived in (IANA name, Linux plans). Default UTC.',
      ),
    LIFEBOAT_BACKUP_RETENTION_DAYS: intSetting(
      7,
      1,
      30,
      'Backups older than this are pruned (1-30: Azure restores backups up to 30 days old).',
    ),
    LIFEBOAT_BACKUP_KEEP_NEWEST: intSetting(
      3,
      1,
      1000,
      'The newest N verified backups of each service are never pruned.',
    ),
    LIFEBOAT_RESTORE_VERIFIED_MAX_AGE_DAYS: intSetting(
      14,
      1,
      365,
      'A service with a drill target whose newest restore-verified backup was taken longer ago than this is flagged stale in GET /api/backups (the restore canary has not proven a recent backup restorable).',
    ),
    LIFEBOAT_BACKUP_RPO_HOURS: intSetting(
      0,
      0,
      24 * 30,
      'Newest verified backup older than this is an RPO breach; 0 = derive from the schedule (interval + 1 h).',
    ),
    LIFEBOAT_BACKUP_POLL_DEFAULT_SECONDS: intSetting(
      60,
      0,
      3600,
      'Wait between polls of a backup operation when the service sends no Retry-After.',
    ),
    LIFEBOAT_BACKUP_TIMEOUT_MINUTES: intSetting(
      240,
      1,
      24 * 60,
      'A backup operation still running after this fails the run.',
    ),
    LIFEBOAT_BACKUP_LOCKED_RETRY_BUDGET: intSetting(
      8,
      0,
      100,
      'How many times a 409 ServiceLocked or transient error is retried (with backoff and jitter) before the run fails.',
    ),
    LIFEBOAT_BACKUP_RETRY_BASE_SECONDS: intSetting(
      60,
      0,
      3600,
      'First retry delay; doubles per attempt, with jitter.',
    ),
  },
  (raw, ctx) => {
    const services = raw.LIFEBOAT_PROTECTED_SERVICES.flatMap((s, i) => {
      const id = parseApimResourceId(s.resourceId);
      if (!id.ok) {
        ctx.addIssue({
          code: 'custom',
          path: ['LIFEBOAT_PROTECTED_SERVICES', i, 'resourceId'],
          message: id.error,
        });
        return [];
      }
      let standby;
      if (s.standbyResourceId !== undefined) {
        const parsed = parseApimResourceId(s.standbyResourceId);
        if (!parsed.ok) {
          ctx.addIssue({
            code: 'custom',
            path: ['LIFEBOAT_PROTECTED_SERVICES', i, 'standbyResourceId'],
            message: parsed.error,
          });
          return [];
        }
        standby = parsed.value;
      }
      return [
        {
          ...id.value,
          standby,
          drillTargets: s.drillTargets,
          allowRestoreOverPrimary: s.allowRestoreOverPrimary,
          standbySync: s.standbySync,
        },
      ];
    });
    const names = new Set<string>();
    for (const s of services) {
      const key = s.serviceName.toLowerCase();
      if (names.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['LIFEBOAT_PROTECTED_SERVICES'],
          message: `lists the service name '${s.serviceName}' twice (service names must be unique: they name instance ids and blob folders)`,
        });
      }
      names.add(key);
    }
    const accessType = raw.LIFEBOAT_BACKUP_ACCESS_TYPE;
    if (
      accessType === 'UserAssignedManagedIdentity' &&
      raw.LIFEBOAT_BACKUP_IDENTITY_CLIENT_ID === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIFEBOAT_BACKUP_IDENTITY_CLIENT_ID'],
        message: 'is required when LIFEBOAT_BACKUP_ACCESS_TYPE is UserAssignedManagedIdentity',
      });
    }
    if (accessType === 'AccessKey' && raw.LIFEBOAT_BACKUP_ACCESS_KEY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIFEBOAT_BACKUP_ACCESS_KEY'],
        message: 'is required when LIFEBOAT_BACKUP_ACCESS_TYPE is AccessKey',
      });
    }
    if (accessType !== 'AccessKey' && raw.LIFEBOAT_BACKUP_ACCESS_KEY !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIFEBOAT_BACKUP_ACCESS_KEY'],
        message: 'is only allowed when LIFEBOAT_BACKUP_ACCESS_TYPE is AccessKey (identities are preferred)',
      });
    }
    return {
      services,
      storageAccount: raw.LIFEBOAT_BACKUP_STORAGE_ACCOUNT,
      container: raw.LIFEBOAT_BACKUP_CONTAINER,
      accessType,
      identityClientId: raw.LIFEBOAT_BACKUP_IDENTITY_CLIENT_ID,
      accessKey: raw.LIFEBOAT_BACKUP_ACCESS_KEY,
      schedule: raw.LIFEBOAT_BACKUP_SCHEDULE,
      reportsSchedule: raw.LIFEBOAT_APIM_REPORTS_SCHEDULE,
      timeZone: raw.WEBSITE_TIME_ZONE ?? 'UTC',
      retentionDays: raw.LIFEBOAT_BACKUP_RETENTION_DAYS,
      keepNewest: raw.LIFEBOAT_BACKUP_KEEP_NEWEST,
      rpoHours: raw.LIFEBOAT_BACKUP_RPO_HOURS,
      restoreVerifiedMaxAgeDays: raw.LIFEBOAT_RESTORE_VERIFIED_MAX_AGE_DAYS,
      pollDefaultSeconds: raw.LIFEBOAT_BACKUP_POLL_DEFAULT_SECONDS,
      timeoutMinutes: raw.LIFEBOAT_BACKUP_TIMEOUT_MINUTES,
      lockedRetryBudget: raw.LIFEBOAT_BACKUP_LOCKED_RETRY_BUDGET,
      retryBaseSeconds: raw.LIFEBOAT_BACKUP_RETRY_BASE_SECONDS,
    };
  },
  { secretKeys: ['LIFEBOAT_BACKUP_ACCESS_KEY'] },
);
