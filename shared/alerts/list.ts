/**
 * The query of `GET /api/alerts` (issue 11), pure: `since` (ISO 8601 date-time, default 24 hours
 * before `now`, at most `maxDays` back, not in the future) and `limit` (1-1000, default 100).
 */
export type ListQuery = { ok: true; since: Date; limit: number } | { ok: false; message: string };

const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Whether the date part names a real day (Date.parse rolls 2026-02-30 over to March). */
function realDay(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}

export function parseListQuery(
  raw: { since: string | null; limit: string | null },
  now: Date,
  maxDays: number,
): ListQuery {
  let since = new Date(now.getTime() - 24 * 3600_000);
  if (raw.since !== null) {
    const text = raw.since.trim();
    const t = ISO.test(text) && realDay(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(t))
      return {
        ok: false,
        message: 'since: must be an ISO 8601 date or date-time (e.g. 2026-01-01T00:00:00Z)',
      };
    if (t > now.getTime() + 5 * 60_000) return { ok: false, message: 'since: must not be in the future' };
    if (t < now.getTime() - maxDays * 86_400_000)
      return {
        ok: false,
        message: `since: must be within the last ${maxDays} days (LIFEBOAT_ALERTS_LIST_MAX_DAYS)`,
      };
    since = new Date(t);
  }
  let limit = 100;
  if (raw.limit !== null) {
    if (!/^\d{1,4}$/.test(raw.limit.trim()) || Number(raw.limit) < 1 || Number(raw.limit) > 1000)
      return { ok: false, message: 'limit: must be a whole number from 1 to 1000' };
    limit = Number(raw.limit);
  }
  return { ok: true, since, limit };
}
