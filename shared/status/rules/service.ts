import { humanDuration, iso, light, worst, type Light } from '../colour';
import type { ServiceInput } from '../inputs';
import type { ServiceStatus } from '../report';
import { runOutcome } from './run';
import { targetLight } from './target';

/** The status rules of a protected service: its backups, its last run, restore verification, targets. */

function backupLight(s: ServiceInput, now: Date): ServiceStatus['backup'] {
  const c = s.catalog;
  const base = {
    rpoSeconds: Math.round(s.rpoMs / 1000),
    source: c.source,
    asOf: iso(c.asOf),
  };
  const newest = c.newestVerified;
  const shown =
    newest === undefined
      ? null
      : {
          name: newest.name,
          takenAt: newest.takenAt.toISOString(),
          ageSeconds: Math.round((now.getTime() - newest.takenAt.getTime()) / 1000),
        };
  if (c.newestGone === true)
    return {
      ...base,
      newestVerified: shown,
      ...light(
        'unknown',
        `the newest verified backup the catalog names (${newest?.name ?? '?'}) is gone; GET /api/backups?fresh=true lists what remains`,
      ),
    };
  if (newest === undefined) {
    if (c.source === 'none')
      return {
        ...base,
        newestVerified: null,
        ...light(
          s.lastRun === undefined ? 'red' : 'unknown',
          s.lastRun === undefined
            ? 'no backup has run and no catalog records one: nothing to restore'
            : 'no catalog summary and the last run verified no backup: GET /api/backups?fresh=true lists the backups',
        ),
      };
    return { ...base, newestVerified: null, ...light('red', 'no verified backup: nothing to restore') };
  }
  const age = now.getTime() - newest.takenAt.getTime();
  if (age > s.rpoMs)
    return {
      ...base,
      newestVerified: shown,
      ...light(
        'red',
        `newest verified backup is ${humanDuration(age)} old, over the RPO of ${humanDuration(s.rpoMs)}`,
      ),
    };
  return {
    ...base,
    newestVerified: shown,
    ...light('green', `newest verified backup is ${humanDuration(age)} old (RPO ${humanDuration(s.rpoMs)})`),
  };
}

function lastRunLight(s: ServiceInput): ServiceStatus['lastRun'] {
  const r = runOutcome(s.lastRun);
  const base = {
    outcome: r.outcome,
    startedAt: iso(s.lastRun?.createdTime),
    updatedAt: iso(s.lastRun?.lastUpdatedTime),
    error: r.error,
  };
  if (s.unknown !== undefined) return { ...base, ...light('unknown', s.unknown) };
  switch (r.outcome) {
    case 'never':
      return { ...base, ...light('unknown', 'no backup run recorded (the schedule has not fired yet?)') };
    case 'running':
      return { ...base, ...light('green', 'a backup is running') };
    case 'succeeded':
      return { ...base, ...light('green', 'the last backup run succeeded') };
    case 'terminated':
      return { ...base, ...light('amber', 'the last backup run was terminated') };
    default:
      return {
        ...base,
        ...light(
          'amber',
          `the last backup run ended ${r.outcome}${r.error === null ? '' : `: ${r.error.code}: ${r.error.message}`}`,
        ),
      };
  }
}

const DAY_MS = 24 * 3600_000;

function restoreLight(s: ServiceInput, now: Date): ServiceStatus['restoreVerification'] {
  // The latest attempt: the catalog's mark, or a later restore run into a drill target.
  let last: ServiceStatus['restoreVerification']['last'] = null;
  const mark = s.catalog.lastRestoreVerification;
  if (mark !== undefined)
    last = { at: mark.at, target: mark.target, outcome: mark.outcome, backup: mark.blobName };
  let newestVerifiedTaken = s.catalog.newestRestoreVerified?.takenAt;
  for (const t of s.targets) {
    if (t.role !== 'drillTarget') continue;
    const out = t.lastRestore?.output as
      | { outcome?: string; backup?: { name?: string; takenAt?: string }; timings?: { endedAt?: string } }
      | null
      | undefined;
    if (t.lastRestore?.runtimeStatus !== 'Completed' || out?.backup?.name === undefined) continue;
    const at = iso(out.timings?.endedAt ?? t.lastRestore.lastUpdatedTime);
    if (at === null) continue;
    if (last === null || Date.parse(at) > Date.parse(last.at))
      last = { at, target: t.name, outcome: out.outcome ?? 'other', backup: out.backup.name };
    const taken = out.backup.takenAt === undefined ? undefined : new Date(out.backup.takenAt);
    if (
      out.outcome === 'succeeded' &&
      taken !== undefined &&
      !Number.isNaN(taken.getTime()) &&
      (newestVerifiedTaken === undefined || taken > newestVerifiedTaken)
    )
      newestVerifiedTaken = taken;
  }
  const base = { last, newestRestoreVerifiedTakenAt: iso(newestVerifiedTaken) };
  if (!s.restoreCanary.enabled)
    return {
      ...base,
      ...light('amber', 'no drill target: restores of this service are never verified'),
    };
  if (last !== null && last.outcome !== 'succeeded')
    return {
      ...base,
      ...light('amber', `the last restore verification into ${last.target} ended ${last.outcome}`),
    };
  if (newestVerifiedTaken === undefined)
    return {
      ...base,
      ...light(
        'amber',
        'no backup of this service has been restore-verified yet (the restore canary proves one)',
      ),
    };
  const age = now.getTime() - newestVerifiedTaken.getTime();
  if (age > s.restoreCanary.maxAgeDays * DAY_MS)
    return {
      ...base,
      ...light(
        'amber',
        `the newest restore-verified backup was taken ${humanDuration(age)} ago (limit ${s.restoreCanary.maxAgeDays} d)`,
      ),
    };
  return {
    ...base,
    ...light('green', `a backup taken ${humanDuration(age)} ago was restored and verified`),
  };
}

/** One protected service. */
export function serviceStatus(s: ServiceInput, now: Date): ServiceStatus {
  const known = backupLight(s, now);
  // A digest that cannot be trusted never shows a backup green, nor "nothing to restore" (not known).
  const backup =
    s.unknown !== undefined && (known.colour === 'green' || s.catalog.source === 'none')
      ? { ...known, ...light('unknown', s.unknown) }
      : known;
  const lastRun = lastRunLight(s);
  const restoreVerification = restoreLight(s, now);
  const targets = s.targets.map(targetLight);
  const standby = targets.find((t) => t.role === 'standby');
  const standbyLight: Light =
    standby ?? light('amber', 'no standby configured: a failover has nowhere to restore to');
  // A drill target only proves restores: at worst it makes the service amber.
  const drills = targets
    .filter((t) => t.role === 'drillTarget')
    .map((t) => (t.colour === 'red' ? 'amber' : t.colour));
  const parts: Light[] = [backup, lastRun, restoreVerification, standbyLight];
  const colour = worst(...parts.map((p) => p.colour), ...drills.filter((c) => c !== 'unknown'));
  const because = [backup, standbyLight, lastRun, restoreVerification, ...targets].find(
    (p) => p.colour === colour,
  );
  return {
    service: s.serviceName,
    resourceId: s.resourceId,
    colour,
    reason: because?.reason ?? backup.reason,
    backup,
    lastRun,
    restoreVerification,
    targets,
  };
}
