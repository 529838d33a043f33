/**
 * Backup blob names: `<service>/<service>-<yyyyMMddTHHmmssZ>.apimbackup`. The folder makes a
 * per-service prefix listing cheap; the timestamp makes names sort by time, so the newest backup
 * is the last one listed (blob listings are lexicographic). Service names are lower-cased because
 * APIM names are case-insensitive while blob names are not.
 */

/** File extension of backup blobs written by Lifeboat. */
export const BACKUP_EXTENSION = '.apimbackup';

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const NAME = /^([a-z](?:[a-z0-9-]*[a-z0-9])?)\/([a-z](?:[a-z0-9-]*[a-z0-9])?)-(\d{8}T\d{6}Z)\.apimbackup$/;

/** `yyyyMMddTHHmmssZ` in UTC (seconds precision: sub-second parts are dropped). */
export function formatStamp(at: Date): string {
  const t = at.getTime();
  if (!Number.isFinite(t)) throw new RangeError('formatStamp: invalid date');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(at.getUTCFullYear(), 4)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}T${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}Z`;
}

/** Parses a `yyyyMMddTHHmmssZ` stamp; undefined when it is not one or names an impossible date. */
export function parseStamp(text: string): Date | undefined {
  const m = STAMP.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls over (Feb 30 → Mar 2): refuse anything that does not round-trip.
  return formatStamp(at) === text ? at : undefined;
}

/** The listing prefix of one service's backups (`<service>/`). */
export function servicePrefix(serviceName: string): string {
  return `${serviceName.toLowerCase()}/`;
}

/** The blob name of a backup of `serviceName` taken at `at`. Years must have four digits. */
export function backupBlobName(serviceName: string, at: Date): string {
  const service = serviceName.toLowerCase();
  const year = at.getUTCFullYear();
  if (year < 1000 || year > 9999) throw new RangeError('backupBlobName: the year must have four digits');
  return `${servicePrefix(service)}${service}-${formatStamp(at)}${BACKUP_EXTENSION}`;
}

/** What a backup blob name says. */
export interface ParsedBackupName {
  serviceName: string;
  takenAt: Date;
}

/**
 * Parses a blob name written by {@link backupBlobName}. Anything else (a foreign blob, a folder
 * that does not match the file's service) is undefined: Lifeboat never prunes blobs it did not name.
 */
export function parseBackupBlobName(name: string): ParsedBackupName | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [, folder = '', service = '', stamp = ''] = m;
  if (folder !== service) return undefined;
  const takenAt = parseStamp(stamp);
  return takenAt === undefined ? undefined : { serviceName: service, takenAt };
}
