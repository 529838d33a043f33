import type { Problem } from '../../outcome';
import { iso, light } from '../colour';
import type { TargetInput } from '../inputs';
import type { TargetStatus } from '../report';
import { RUNNING } from './run';

/** Error codes a restore run refuses with before its target preflight (the target was not checked). */
const BEFORE_PREFLIGHT = new Set([
  'PrimaryInDrill',
  'PrimaryNotAllowed',
  'TargetNotAllowed',
  'NotSingleton',
  'InvalidInput',
]);
/** Refusals of backup selection: the target preflight had passed. */
const AFTER_PREFLIGHT = new Set([
  'BackupNotFound',
  'BackupOfAnotherService',
  'BackupNotVerified',
  'BackupExpired',
  'TierMismatch',
  'NoVerifiedBackup',
]);

/**
 * Whether a standby or drill target was reachable, from the last restore run into it (its
 * preflight reads the target at ARM): nothing else records a preflight. No run: unknown.
 */
export function targetLight(t: TargetInput): TargetStatus {
  const base = { role: t.role, name: t.name, checkedAt: iso(t.lastRestore?.lastUpdatedTime) };
  const what = t.role === 'standby' ? 'standby' : 'drill target';
  const run = t.lastRestore;
  if (t.unknown !== undefined)
    return { ...base, checkedAt: null, ...light('unknown', `the ${what} ${t.name}: ${t.unknown}`) };
  if (run === undefined)
    return {
      ...base,
      checkedAt: null,
      ...light('unknown', `no restore into the ${what} ${t.name} has run: its reachability is not recorded`),
    };
  if (RUNNING.has(run.runtimeStatus))
    return { ...base, ...light('green', `a restore into the ${what} ${t.name} is running`) };
  const out = run.output as
    | { outcome?: string; backup?: unknown; timings?: { acceptedAt?: string }; error?: Problem }
    | null
    | undefined;
  const code = out?.error?.code;
  const passed =
    out?.outcome === 'succeeded' ||
    out?.backup !== undefined ||
    out?.timings?.acceptedAt !== undefined ||
    (code !== undefined && AFTER_PREFLIGHT.has(code));
  if (run.runtimeStatus === 'Completed' && passed)
    return { ...base, ...light('green', `the ${what} ${t.name} answered its last preflight`) };
  if (run.runtimeStatus === 'Completed' && code !== undefined && BEFORE_PREFLIGHT.has(code))
    return {
      ...base,
      ...light(
        'unknown',
        `the last restore into the ${what} ${t.name} was refused before its preflight (${code})`,
      ),
    };
  return {
    ...base,
    ...light(
      t.role === 'standby' ? 'red' : 'amber',
      `the ${what} ${t.name} failed its last preflight${code === undefined ? '' : ` (${code}: ${out?.error?.message ?? ''})`}`,
    ),
  };
}
