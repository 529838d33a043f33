import type { Config } from '../config';
import type { PlanEntry } from '../plans/load';
import { restoredServices } from '../plans/owners';
import { standbyFreshness } from '../standby/decide';
import type { StandbyRecord } from '../standby/record';
import { light, utcText, type Light } from './colour';

/**
 * The standby on the status page (issue 23), kept apart from the rest of the page's reads: per
 * protected service with a standby, the active side and the standby's recovery point age against
 * the RPO of the plans that fail it over (the strictest), and the headline's "failed over since".
 * Pure but for {@link readStandbyInputs}.
 */

/** What the page knows of one standby. */
export interface StandbyInput {
  serviceName: string;
  standbyName: string;
  syncEnabled: boolean;
  record: StandbyRecord | undefined;
  /** The strictest RPO of the valid plans that restore the service, and that plan. */
  planRpo?: { plan: string; minutes: number } | undefined;
}

/** One standby line of the page. */
export interface StandbyStatus extends Light {
  service: string;
  standby: string;
  activeSide: 'primary' | 'standby';
  /** When production moved to the standby, and the run that moved it. */
  failedOver?: { since: string; runId: string };
  state: ReturnType<typeof standbyFreshness>['state'];
  recoveryPointAgeMinutes?: number;
  rpoMinutes?: number;
  plan?: string;
}

/** The standbys from configuration, the records and the declared plans. */
export async function readStandbyInputs(
  config: Config,
  read: (serviceName: string) => Promise<StandbyRecord | undefined>,
  entries: readonly PlanEntry[],
): Promise<StandbyInput[]> {
  const paired = config.backup.services.filter((s) => s.standby !== undefined);
  return Promise.all(
    paired.map(async (s) => {
      const name = s.serviceName.toLowerCase();
      const rpo = entries
        .flatMap((e) => (e.plan !== undefined && restoredServices(e.plan).includes(name) ? [e.plan] : []))
        .map((p) => ({ plan: p.name, minutes: p.rpoMinutes }))
        .sort((a, b) => a.minutes - b.minutes)[0];
      return {
        serviceName: s.serviceName,
        standbyName: s.standby!.serviceName,
        syncEnabled: s.standbySync,
        record: await read(s.serviceName),
        planRpo: rpo,
      };
    }),
  );
}

/** A standby's line: green when current or active, amber when stale or its last sync failed. */
export function standbyStatus(input: StandbyInput, now: Date): StandbyStatus {
  const f = standbyFreshness(
    input.record,
    now,
    input.planRpo === undefined ? undefined : input.planRpo.minutes * 60_000,
  );
  const active = input.record?.active;
  const base = {
    service: input.serviceName,
    standby: input.standbyName,
    activeSide: f.state === 'active' ? ('standby' as const) : ('primary' as const),
    ...(f.state === 'active' && active !== undefined
      ? { failedOver: { since: active.since, runId: active.runId } }
      : {}),
    ...f,
    ...(input.planRpo === undefined ? {} : { plan: input.planRpo.plan }),
  };
  const rpo =
    input.planRpo === undefined
      ? ''
      : ` against the RPO of ${input.planRpo.minutes} min (plan ${input.planRpo.plan})`;
  switch (f.state) {
    case 'active':
      return {
        ...base,
        ...light(
          'green',
          `${input.standbyName} carries production (failed over since ${active === undefined ? '?' : utcText(active.since)}, run ${active?.runId ?? '?'})`,
        ),
      };
    case 'never':
      return {
        ...base,
        ...light(
          input.syncEnabled ? 'amber' : 'green',
          input.syncEnabled
            ? `${input.standbyName} was never synced: a failover restores it first (30-45 minutes)`
            : `standby sync is off for ${input.serviceName}: a failover restores ${input.standbyName} first`,
        ),
      };
    case 'unverified':
      return {
        ...base,
        ...light(
          'amber',
          `the last sync of ${input.standbyName} did not verify: a failover restores it first`,
        ),
      };
    case 'stale':
      return {
        ...base,
        ...light(
          'amber',
          `${input.standbyName} holds a recovery point ${f.recoveryPointAgeMinutes} min old${rpo}: a failover restores it first`,
        ),
      };
    case 'current':
      return {
        ...base,
        ...light(
          'green',
          `${input.standbyName} is warm: its recovery point is ${f.recoveryPointAgeMinutes} min old${rpo}`,
        ),
      };
  }
}

/** The headline's qualification while production runs on a standby, or undefined. */
export function failedOverHeadline(standbys: readonly StandbyStatus[]): string | undefined {
  const over = standbys.filter((s) => s.failedOver !== undefined);
  if (over.length === 0) return undefined;
  const f = over[0]!.failedOver!;
  return `failed over since ${utcText(f.since)}, run ${f.runId}${over.length > 1 ? ` (and ${over.length - 1} more service(s))` : ''}`;
}
