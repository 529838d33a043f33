/**
 * Which service a restore may overwrite: a pure decision on normalised ARM resource ids, taken
 * before any ARM call (issue 9, "target rules"). Restoring a backup replaces the target's whole
 * configuration, so a wrong target is an outage: only the protected service's standby or one of
 * its drill targets; the primary itself only with the service's explicit opt-in, and never in a
 * drill.
 */

import { normaliseResourceId } from '../azure/resourceId';

/** What the rules need to know of one protected service (from LIFEBOAT_PROTECTED_SERVICES). */
export interface RestoreTargets {
  /** The protected (primary) service. */
  resourceId: string;
  standbyResourceId?: string | undefined;
  drillTargetResourceIds?: readonly string[] | undefined;
  /** Explicit per-service opt-in to restore over the primary (default false; never in a drill). */
  allowRestoreOverPrimary?: boolean | undefined;
}

export type RestoreMode = 'failover' | 'drill';

/** The target accepted (with which role it plays) or refused (with the rule that refused it). */
export type TargetDecision =
  | { ok: true; role: 'standby' | 'drillTarget' | 'primary'; resourceId: string }
  | { ok: false; code: TargetRefusal; message: string };

export type TargetRefusal = 'PrimaryInDrill' | 'PrimaryNotAllowed' | 'TargetNotAllowed';

/**
 * Decides whether `target` may be overwritten by a restore of `service` in `mode`. The primary is
 * checked first, so listing the primary as a drill target or standby never lets it through.
 */
export function decideRestoreTarget(
  service: RestoreTargets,
  target: string,
  mode: RestoreMode,
): TargetDecision {
  const t = normaliseResourceId(target);
  if (t === normaliseResourceId(service.resourceId)) {
    if (mode === 'drill')
      return {
        ok: false,
        code: 'PrimaryInDrill',
        message: `a drill never restores over the protected service itself (${service.resourceId})`,
      };
    if (service.allowRestoreOverPrimary !== true)
      return {
        ok: false,
        code: 'PrimaryNotAllowed',
        message: `restoring over the protected service itself (${service.resourceId}) needs allowRestoreOverPrimary: true for this service`,
      };
    return { ok: true, role: 'primary', resourceId: service.resourceId };
  }
  if (service.standbyResourceId !== undefined && t === normaliseResourceId(service.standbyResourceId))
    return { ok: true, role: 'standby', resourceId: service.standbyResourceId };
  const drill = (service.drillTargetResourceIds ?? []).find((d) => normaliseResourceId(d) === t);
  if (drill !== undefined) return { ok: true, role: 'drillTarget', resourceId: drill };
  return {
    ok: false,
    code: 'TargetNotAllowed',
    message: `${target.trim()} is neither the standby nor a drill target of ${service.resourceId}`,
  };
}
