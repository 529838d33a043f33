/**
 * Which backup a restore uses: a pure decision (issue 9, "backup selection"). Azure refuses to
 * restore a backup older than its restore window (30 days on current docs,
 * docs/reference/apim-backup-restore.md) or of another tier than the target's, and only
 * after a restore of 30-45 minutes has begun: both are checked here first, with a refusal that
 * says why.
 */

/** A backup as the catalog records it. */
export interface BackupRecord {
  /** Blob name. */
  name: string;
  /** The protected service it was taken from. */
  serviceName: string;
  takenAt: Date;
  verified: boolean;
  /** The tier recorded at backup time; undefined when it was not recorded. */
  tier: string | undefined;
  /**
   * Whether the configuration manifest a restore is verified against is beside it (false: none;
   * undefined: not known, treated as present, so callers that do not look are not misled).
   */
  hasManifest?: boolean | undefined;
  /** How many differences its manifest check found between before and after the backup (issue 22). */
  configChanges?: number | undefined;
}

/** The restore window: `days` as Azure documents it, less a safety margin for the restore's own duration. */
export interface RestoreWindow {
  days: number;
  safetyMarginHours: number;
}

/**
 * 30 days (Azure's documented expiry) less 12 hours: a restore that starts at the edge of the
 * window still runs for 30-45 minutes or more, and the expiry's exact reference point (backup
 * start or end) is not documented. The margin is configurable (LIFEBOAT_RESTORE_WINDOW_MARGIN_HOURS);
 * the 30 days are Azure's.
 */
export const DEFAULT_RESTORE_WINDOW: RestoreWindow = { days: 30, safetyMarginHours: 12 };

export interface SelectBackupInput {
  backups: readonly BackupRecord[];
  serviceName: string;
  /** The target's current tier (read from ARM just before). */
  targetTier: string;
  now: Date;
  /** `latest` (default) or a blob name. */
  backup?: string | undefined;
  window?: RestoreWindow | undefined;
}

export type BackupRefusal =
  | 'NoVerifiedBackup'
  | 'BackupExpired'
  | 'TierMismatch'
  | 'BackupNotFound'
  | 'BackupOfAnotherService'
  | 'BackupNotVerified';

/** Something an operator should know about the chosen backup: never a refusal. */
export interface BackupWarning {
  code: 'BackupOlderThanGuarantee' | 'BackupWithoutManifest' | 'ConfigChangedDuringBackup';
  message: string;
}

export type BackupDecision =
  | { ok: true; backup: BackupRecord; ageMs: number; warnings?: BackupWarning[] }
  | { ok: false; code: BackupRefusal; message: string };

/**
 * The restore the service guaranteed in its original terms: 7 days (a 2014-2016 version of the
 * backup documentation; 30 today, docs/reference/apim-backup-restore.md, "The backup blob"). An
 * older backup is still restored, with a warning: the service may refuse it under older terms.
 */
export const GUARANTEED_RESTORE_DAYS = 7;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** An age as a person says it: "31 days", "1 day", "5 hours" (whole units, rounded down). */
export function formatAge(ms: number): string {
  const age = Math.max(0, ms);
  if (age >= DAY) {
    const d = Math.floor(age / DAY);
    return `${d} day${d === 1 ? '' : 's'}`;
  }
  const h = Math.floor(age / HOUR);
  return `${h} hour${h === 1 ? '' : 's'}`;
}

function windowText(w: RestoreWindow): string {
  return w.safetyMarginHours === 0
    ? `the restore window is ${w.days} days`
    : `the restore window is ${w.days} days less a ${w.safetyMarginHours}-hour safety margin`;
}

const sameText = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Picks the newest verified backup of `serviceName` inside the restore window whose recorded tier
 * equals the target's; a named backup must pass the same checks. Ties on `takenAt` go to the
 * greater name (names embed the time). A backup dated in the future (clock skew) counts as age 0.
 */
export function selectBackup(input: SelectBackupInput): BackupDecision {
  const window = input.window ?? DEFAULT_RESTORE_WINDOW;
  if (!(window.days > 0) || !(window.safetyMarginHours >= 0) || window.safetyMarginHours >= window.days * 24)
    throw new RangeError('restore window: days must be positive and the margin shorter than the window');
  const maxAgeMs = window.days * DAY - window.safetyMarginHours * HOUR;
  const ageOf = (b: BackupRecord) => Math.max(0, input.now.getTime() - b.takenAt.getTime());
  const tierOk = (b: BackupRecord) => b.tier !== undefined && sameText(b.tier, input.targetTier);
  const tierText = (b: BackupRecord) => b.tier ?? 'of an unrecorded tier';

  const named = input.backup;
  if (named !== undefined && named !== 'latest') {
    const b = input.backups.find((x) => x.name === named);
    if (b === undefined)
      return { ok: false, code: 'BackupNotFound', message: `backup '${named}' was not found` };
    if (!sameText(b.serviceName, input.serviceName))
      return {
        ok: false,
        code: 'BackupOfAnotherService',
        message: `backup '${named}' is of ${b.serviceName}, not ${input.serviceName}`,
      };
    if (!b.verified)
      return { ok: false, code: 'BackupNotVerified', message: `backup '${named}' is not verified` };
    if (ageOf(b) > maxAgeMs)
      return {
        ok: false,
        code: 'BackupExpired',
        message: `backup '${named}' is ${formatAge(ageOf(b))} old (${windowText(window)})`,
      };
    if (!tierOk(b))
      return {
        ok: false,
        code: 'TierMismatch',
        message: `backup '${named}' is ${tierText(b)}, target is ${input.targetTier}`,
      };
    return chosenWith(b, ageOf(b), input.serviceName, true);
  }

  const newestFirst = (a: BackupRecord, b: BackupRecord) =>
    b.takenAt.getTime() - a.takenAt.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
  const verified = input.backups
    .filter((b) => b.verified && sameText(b.serviceName, input.serviceName))
    .sort(newestFirst);
  const newest = verified[0];
  if (newest === undefined)
    return {
      ok: false,
      code: 'NoVerifiedBackup',
      message: `there is no verified backup of ${input.serviceName}`,
    };
  const inWindow = verified.filter((b) => ageOf(b) <= maxAgeMs);
  if (inWindow.length === 0)
    return {
      ok: false,
      code: 'BackupExpired',
      message: `newest verified backup is ${formatAge(ageOf(newest))} old (${windowText(window)})`,
    };
  // A backup with its manifest wins over a newer one without (issue 22: only it can be verified).
  const ofTier = inWindow.filter(tierOk);
  const chosen = ofTier.find((b) => b.hasManifest !== false) ?? ofTier[0];
  if (chosen === undefined) {
    const tiers = [...new Set(inWindow.map(tierText))];
    return {
      ok: false,
      code: 'TierMismatch',
      message: `backups are ${tiers.join(' or ')}, target is ${input.targetTier}`,
    };
  }
  return chosenWith(chosen, ageOf(chosen), input.serviceName, false);
}

/** The decision for a chosen backup, with what an operator should know about it. */
function chosenWith(b: BackupRecord, ageMs: number, serviceName: string, named: boolean): BackupDecision {
  const warnings = backupWarnings(b, ageMs, serviceName, named);
  return { ok: true, backup: b, ageMs, ...(warnings.length === 0 ? {} : { warnings }) };
}

/**
 * What the restore's result and the plan report say about a chosen backup (issues 22 and 13):
 * older than the 7 days the service once guaranteed, without a manifest (the restore cannot be
 * verified), or taken while the configuration changed (the change may be missing from it).
 */
export function backupWarnings(
  b: BackupRecord,
  ageMs: number,
  serviceName: string,
  named = false,
): BackupWarning[] {
  const warnings: BackupWarning[] = [];
  if (ageMs > GUARANTEED_RESTORE_DAYS * DAY)
    warnings.push({
      code: 'BackupOlderThanGuarantee',
      message: `backup '${b.name}' is ${formatAge(ageMs)} old: older than the ${GUARANTEED_RESTORE_DAYS} days API Management guaranteed restores for in its original terms (30 today)`,
    });
  if (b.hasManifest === false)
    warnings.push({
      code: 'BackupWithoutManifest',
      message: `backup '${b.name}' has no configuration manifest beside it${
        named ? '' : `, and no backup of ${serviceName} in the window has one`
      }: the restore cannot be verified`,
    });
  if (b.configChanges !== undefined && b.configChanges > 0)
    warnings.push({
      code: 'ConfigChangedDuringBackup',
      message: `the configuration of ${serviceName} changed while backup '${b.name}' ran (${b.configChanges} difference(s)): the change may be missing from it`,
    });
  return warnings;
}
