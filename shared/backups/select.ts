import { z } from 'zod';
import { formatIssues } from '../errors';

/** Body of `POST /api/backups`: empty (all services) or `{ "services": ["name", ...] }`. */
export const startBackupsBody = z.strictObject({
  services: z
    .array(z.string({ error: 'must be a service name (string)' }).min(1, { error: 'must not be empty' }), {
      error: 'must be an array of service names',
    })
    .min(1, { error: 'must name at least one service (omit it to back up all)' })
    .max(100, { error: 'must name at most 100 services' })
    .optional(),
});

/** The outcome of reading the body: the services to back up, or a 400 message naming the field. */
export type SelectResult<S> = { ok: true; services: S[] } | { ok: false; error: string };

/**
 * Parses the body text and picks the configured services it names (case-insensitive). An unknown
 * name is an error naming the field, not a silent skip: the caller asked for something that will
 * never be backed up.
 */
export function selectServices<S extends { serviceName: string }>(
  bodyText: string,
  configured: readonly S[],
): SelectResult<S> {
  let json: unknown = {};
  if (bodyText.trim() !== '') {
    try {
      json = JSON.parse(bodyText);
    } catch {
      return { ok: false, error: 'body: must be JSON (or empty to back up every service)' };
    }
  }
  const parsed = startBackupsBody.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: formatIssues(parsed.error.issues, { root: 'body' }),
    };
  }
  const wanted = parsed.data.services;
  if (wanted === undefined) return { ok: true, services: [...configured] };
  const picked: S[] = [];
  const problems: string[] = [];
  wanted.forEach((name, i) => {
    const match = configured.find((s) => s.serviceName.toLowerCase() === name.toLowerCase());
    if (match === undefined)
      problems.push(
        `services.${i}: unknown service '${name.slice(0, 60)}' (not in LIFEBOAT_PROTECTED_SERVICES)`,
      );
    else if (!picked.includes(match)) picked.push(match);
  });
  return problems.length > 0 ? { ok: false, error: problems.join('; ') } : { ok: true, services: picked };
}
