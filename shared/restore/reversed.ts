import type { Problem } from '../outcome';
import { activeSideOf, type StandbyRecord } from '../standby/record';
import type { ConfiguredService } from './run';
import type { RestoreMode } from './target';

/**
 * A failback's restore (issue 23, "Come home"), as the target rules see it: the pair reversed.
 * The standby carries production, so it is the protected service whose backup is restored, and
 * the primary is the service it restores into (its "standby" for this restore); a drill restores
 * into the primary's drill targets only (the primary is then no target at all). Nothing else
 * reverses a pair: the primary is a restore target only in a failback, and only while Lifeboat's
 * record says the standby is the active side (`failbackPairRefusal`). Pure.
 */
export function reversedPair(
  service: ConfiguredService,
  mode: RestoreMode = 'failover',
): ConfiguredService | undefined {
  if (service.standby === undefined) return undefined;
  return {
    serviceName: service.standby.serviceName,
    resourceId: service.standby.resourceId,
    ...(mode === 'drill'
      ? {}
      : { standby: { serviceName: service.serviceName, resourceId: service.resourceId } }),
    drillTargets: service.drillTargets,
    allowRestoreOverPrimary: false,
  };
}

/** The configured pair whose standby is named `standbyName` (case-insensitive), if any. */
export function pairOfStandby<S extends ConfiguredService>(
  services: readonly S[],
  standbyName: string,
): S | undefined {
  const want = standbyName.toLowerCase();
  return services.find((s) => s.standby?.serviceName.toLowerCase() === want);
}

/** Why a failback's restore may not run now (pure): the pair's record does not say the standby carries production. */
export function failbackPairRefusal(
  pair: ConfiguredService,
  record: StandbyRecord | undefined,
): Problem | undefined {
  if (activeSideOf(record) === 'standby') return undefined;
  return {
    code: 'NotFailedOver',
    message: `${pair.serviceName} is not failed over (Lifeboat's record says its primary carries production): a failback's restore into it is refused`,
  };
}
