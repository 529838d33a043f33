import { z } from 'zod';
import { OUTCOMES } from '../outcome';

/**
 * What Lifeboat records per protected service pair (issue 23): which side carries production (the
 * active side, and the run that changed it) and the standby's state after its last sync (which
 * backup it holds, how old that backup was, whether the restore was verified, when, by which run).
 * One record per service, `_standby/<service>.json` in the backup container (./store.ts); every
 * change is a read-modify-write under the record's ETag, so a sync and a plan never lose each
 * other's change.
 */

/** Which service of the pair carries production. */
export const SIDES = ['primary', 'standby'] as const;
export type Side = (typeof SIDES)[number];

const backupRef = z.strictObject({ name: z.string().min(1), takenAt: z.iso.datetime() });

/** The standby's last sync: a restore of the newest verified backup into it, and how it ended. */
export const standbySyncSchema = z.strictObject({
  /** The restore run (`restoreApim` instance id) and the sync run that started it. */
  instanceId: z.string().min(1),
  syncRunId: z.string().min(1),
  outcome: z.enum(OUTCOMES),
  /** Whether the restore succeeded and was verified against the backup's manifest (and the gateway). */
  verified: z.boolean(),
  /** The backup restored (absent when none was selected). */
  backup: backupRef.optional(),
  /** How old the backup was when the restore began, in ms. */
  backupAgeMs: z.number().int().min(0).optional(),
  /** When the sync ended (verified, or failed). */
  at: z.iso.datetime(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
export type StandbySync = z.infer<typeof standbySyncSchema>;

/** The active side and the run that made it so (absent: the primary, as configured). */
export const activeSideSchema = z.strictObject({
  side: z.enum(SIDES),
  /** The plan run that changed it. */
  runId: z.string().min(1),
  /** `failover` moved production to the standby, `failback` brought it home. */
  mode: z.enum(['failover', 'failback']),
  since: z.iso.datetime(),
});
export type ActiveSide = z.infer<typeof activeSideSchema>;

export const standbyRecordSchema = z.strictObject({
  serviceName: z.string().min(1),
  active: activeSideSchema.optional(),
  lastSync: standbySyncSchema.optional(),
  /** The last verified sync (kept when a later one fails: the standby may still hold it, or not). */
  lastVerifiedSync: standbySyncSchema.optional(),
});
export type StandbyRecord = z.infer<typeof standbyRecordSchema>;

/** The record's blob name (service names are case-insensitive, blob names are not). */
export function standbyRecordName(serviceName: string): string {
  return `_standby/${serviceName.toLowerCase()}.json`;
}

/** The side carrying production: the primary unless a run recorded otherwise. */
export function activeSideOf(record: StandbyRecord | undefined): Side {
  return record?.active?.side ?? 'primary';
}

/**
 * The record after a sync ended (pure). A sync older than the one recorded never replaces it (a
 * delivery repeated late). A sync that did not verify keeps the last verified one, but only the
 * last sync says what the standby holds now: a failed restore may have left it half-written.
 */
export function withSync(
  record: StandbyRecord | undefined,
  serviceName: string,
  sync: StandbySync,
): StandbyRecord {
  const base: StandbyRecord = record ?? { serviceName };
  if (base.lastSync !== undefined && base.lastSync.at > sync.at) return base;
  return {
    ...base,
    lastSync: sync,
    ...(sync.verified ? { lastVerifiedSync: sync } : {}),
  };
}

/** The record after a run changed the active side (pure); the same run recording again changes nothing. */
export function withActiveSide(
  record: StandbyRecord | undefined,
  serviceName: string,
  active: ActiveSide,
): StandbyRecord {
  const base: StandbyRecord = record ?? { serviceName };
  return { ...base, active };
}
