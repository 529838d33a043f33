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

export type BackupDecision =
  { ok: true; backup: BackupRecord; ageMs: number } | { ok: false; code: BackupRefusal; message: string };

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
    return { ok: true, backup: b, ageMs: ageOf(b) };
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
  const chosen = inWindow.find(tierOk);
  if (chosen === undefined) {
    const tiers = [...new Set(inWindow.map(tierText))];
    return {
      ok: false,
      code: 'TierMismatch',
      message: `backups are ${tiers.join(' or ')}, target is ${input.targetTier}`,
    };
  }
  return { ok: true, backup: chosen, ageMs: ageOf(chosen) };
}
