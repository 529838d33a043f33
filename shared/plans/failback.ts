import { z } from 'zod';
import { describeChange, type ManifestDifference } from '../apim/manifest';
import {
  backupRunInputSchema,
  buildRunInput,
  backupInstanceId,
  type BackupRunSettings,
} from '../backups/run';
import type { Problem } from '../outcome';
import {
  buildRestoreInput,
  restoreInstanceId,
  restoreRunInputSchema,
  type ConfiguredService,
  type RestoreRunResult,
  type RestoreSettings,
} from '../restore/run';
import { reversedPair } from '../restore/reversed';
import { activeSideOf, type StandbyRecord } from '../standby/record';
import type { TrafficTarget } from '../traffic/contracts';
import { restoredServices } from './owners';
import type { Plan, PlanStep, RunMode } from './plan';
import { restoreVerdict, type StepVerdict, type StepWork } from './steps';

/**
 * Coming home (issue 23, "Come home"): a plan run in the `failback` direction, for the day the
 * primary region is back. Pure decisions, `now` and records as inputs:
 * - a failback starts only when Lifeboat's record says the standby carries production for every
 *   service the plan restores (`failbackRefusal`: 409 `NotFailedOver` naming the service);
 * - what each step kind does in this direction (`failbackWork`), the table below;
 * - what a failback's API Management step means (`failbackVerdict`), and the round trip the report
 *   shows: when production left (the failover run and time from the active-side record), when it
 *   came back, and what was written on the standby meanwhile that the primary now has.
 *
 * | kind | failback | failback drill |
 * |---|---|---|
 * | apim.restore | fresh backup of the active standby, restored into the primary, verified against the standby's manifest | the same fresh backup restored into the service's first drill target (the primary untouched) |
 * | traffic.switch | record, enable + prefer the primary, disable the standby, wait applied, probe the primary | read and validate the primary's origin, change nothing |
 * | hyperv.failback, lync.conferenceRestore, pchat.legacyEndpoint, manual | skipped, with the reason ({@link FAILBACK_NOTHING_TO_DO}) | the same |
 *
 * The primary is marked active (and the standby sync resumes) only once the whole run succeeded
 * (planRun), so a failback cancelled or failed after its traffic switch puts the traffic back and
 * leaves the standby recorded as production, as it still is.
 */

/**
 * What each on-premises step kind does when production comes home: nothing, and why. The
 * on-premises procedure (Hyper-V failback, Lync conference content, Persistent Chat endpoint) is
 * about the site, not about which Azure region serves the APIs: a failback of the Azure side has
 * nothing to undo there. A manual step's instructions are written for the way out.
 */
export const FAILBACK_NOTHING_TO_DO: Readonly<
  Record<Exclude<PlanStep['kind'], 'apim.restore' | 'traffic.switch'>, string>
> = {
  'hyperv.failback':
    'nothing to do in a failback: the failover already failed these VMs back to their hosts (Hyper-V Replica keeps replicating); bringing the Azure side home does not move them',
  'lync.conferenceRestore':
    'nothing to do in a failback: the conference content was synced into the pool during the failover and the Backup Service keeps the pair in sync by itself',
  'pchat.legacyEndpoint':
    'nothing to do in a failback: the legacy endpoint created during the failover stays (one per pool, whichever Azure region serves the APIs)',
  manual:
    "nothing to do in a failback: a manual step's instructions are written for the failover; the report shows them",
};

/** Why a failback cannot start (pure): the standby does not carry production for a service the plan restores. */
export function failbackRefusal(
  plan: Plan,
  services: readonly ConfiguredService[],
  records: ReadonlyMap<string, StandbyRecord | undefined>,
): Problem | undefined {
  const restored = restoredServices(plan);
  const pairs = restored.flatMap((name) =>
    services.filter((s) => s.serviceName.toLowerCase() === name && s.standby !== undefined),
  );
  if (pairs.length === 0)
    return {
      code: 'NotFailedOver',
      message: `plan '${plan.name}' restores no service with a standby (${
        restored.length === 0 ? 'no apim.restore step' : restored.join(', ')
      }): there is nothing to fail back`,
    };
  for (const s of pairs) {
    const record = records.get(s.serviceName.toLowerCase());
    if (activeSideOf(record) !== 'standby')
      return {
        code: 'NotFailedOver',
        message: `${s.serviceName} is not failed over: Lifeboat's record says its primary carries production${
          record?.active === undefined
            ? ''
            : ` (since ${record.active.since}, ${record.active.mode} ${record.active.runId})`
        }, so there is nothing to fail back`,
      };
  }
  return undefined;
}

/** When production left: the failover that made the standby active (from the active-side record). */
export const leftSchema = z.strictObject({
  runId: z.string().min(1).max(200),
  since: z.iso.datetime(),
  /** The backup the standby held when it took production (the failover's restore step), if known. */
  backup: z.string().min(1).max(1024).optional(),
});
export type Left = z.infer<typeof leftSchema>;

/** Input of `failbackApim`: back up the active standby, restore that backup into the primary (or a drill target). */
export const failbackApimInputSchema = z.strictObject({
  runId: z.string().min(1).max(200),
  stepId: z.string().min(1).max(40),
  /** The pair: the protected service (the primary) and its standby (production now). */
  serviceName: z.string().min(1),
  standbyName: z.string().min(1),
  /** The restore's target as a person reads it (the primary, or a drill target in a drill). */
  target: z.string().min(1),
  /** The fresh backup of the standby (`backupOrchestration`, its singleton id). */
  backup: backupRunInputSchema,
  /** The restore of that backup (`backup` is replaced by the fresh blob's name). */
  restore: restoreRunInputSchema,
  restoreInstanceId: z.string().min(1),
  left: leftSchema.optional(),
});
export type FailbackApimInput = z.infer<typeof failbackApimInputSchema>;

/** What the data written on the standby while it carried production looks like. */
export interface RoundTripDifference {
  /** The backup the standby started from, and the fresh one the primary now has. */
  from: string;
  to: string;
  /** In words ("API 'late' was added on the standby"), at most 50. */
  changes: string[];
  changeCount: number;
}

/** What `failbackApim` did. */
export interface FailbackApimResult {
  outcome: 'succeeded' | 'failed' | 'refused' | 'timedOut';
  error?: Problem;
  /** The fresh backup of the standby. */
  backup?: { name: string; takenAt?: string; outcome: string };
  restore?: RestoreRunResult;
  difference?: RoundTripDifference;
  /** Why the difference is not shown (no backup known from the failover, a manifest missing). */
  differenceNote?: string;
  left?: Left;
}

/** The settings `failbackWork` needs besides the step context. */
export interface FailbackContext {
  services: readonly ConfiguredService[];
  restore: RestoreSettings;
  backup: BackupRunSettings;
  traffic?: { pollSeconds: number; applyTimeoutMinutes: number } | undefined;
  /** The failback run. */
  runId: string;
  /** The failover that made the standby active (from the active-side record). */
  left?: Left | undefined;
}

/** The target of a failback's traffic switch: the pair seen from the standby (pure). */
export function homeward(target: TrafficTarget): TrafficTarget {
  return { ...target, primary: target.standby, standby: target.primary };
}

/** The work of `step` in a failback (`mode` `failover`) or a failback drill (`mode` `drill`). */
export function failbackWork(step: PlanStep, mode: RunMode, ctx: FailbackContext): StepWork {
  if (step.kind === 'traffic.switch')
    return {
      kind: 'traffic',
      action: mode,
      target: homeward(step.params),
      pollMs: (ctx.traffic?.pollSeconds ?? 15) * 1000,
      applyTimeoutMs: Math.min(ctx.traffic?.applyTimeoutMinutes ?? 30, step.timeoutMinutes) * 60_000,
    };
  if (step.kind !== 'apim.restore') return { kind: 'skipped', reason: FAILBACK_NOTHING_TO_DO[step.kind] };
  const service = ctx.services.find((s) => s.serviceName.toLowerCase() === step.params.service.toLowerCase());
  if (service === undefined)
    return refused('UnknownService', `${step.params.service} is not a protected service`);
  const reversed = reversedPair(service, mode);
  if (reversed === undefined || service.standby === undefined)
    return refused('NoStandby', `${service.serviceName} has no standby: there is nothing to fail back from`);
  const target =
    mode === 'drill'
      ? service.drillTargets[0]
      : { serviceName: service.serviceName, resourceId: service.resourceId };
  if (target === undefined)
    return refused(
      'NoDrillTarget',
      `${service.serviceName} has no drill target: a failback drill never restores into the primary`,
    );
  const standby = service.standby;
  return {
    kind: 'failback',
    target: target.serviceName,
    input: {
      runId: ctx.runId,
      stepId: step.id,
      serviceName: service.serviceName,
      standbyName: standby.serviceName,
      target: target.serviceName,
      backup: buildRunInput(standby, ctx.backup),
      restore: {
        ...buildRestoreInput(
          reversed,
          // `latest` until the fresh backup exists; the flow names its blob.
          { targetResourceId: target.resourceId, backup: 'latest', mode },
          ctx.restore,
        ),
        // Its begin checks the reversed pair against configuration and the active-side record.
        failback: true,
      },
      restoreInstanceId: restoreInstanceId(target.resourceId),
      ...(ctx.left === undefined ? {} : { left: ctx.left }),
    },
  };
}

/** The singleton id of the standby's backup runs (a failback's fresh backup is one of them). */
export const standbyBackupInstanceId = (input: FailbackApimInput): string =>
  backupInstanceId(input.standbyName);

function refused(code: string, message: string): StepWork {
  return { kind: 'refused', error: { code, message } };
}

/** A step that has nothing to do in a failback: skipped by design, with the reason (pure). */
export function failbackSkippedVerdict(step: PlanStep, reason: string): StepVerdict {
  return {
    outcome: 'succeeded',
    skipped: reason,
    summary: `skipped: ${reason}`,
    evidence: { kind: step.kind, direction: 'failback' },
  };
}

const MAX_CHANGES = 50;

/** A difference between the standby at failover and the standby now, as an operator reads it. */
export function describeRoundTripChange(d: ManifestDifference): string {
  return describeChange(d, { during: 'on the standby', removed: 'removed' });
}

/** The round trip's manifest difference (pure): `differences` from the failover's backup to the fresh one. */
export function roundTripDifference(
  from: string,
  to: string,
  differences: readonly ManifestDifference[],
): RoundTripDifference {
  return {
    from,
    to,
    changes: differences.slice(0, MAX_CHANGES).map(describeRoundTripChange),
    changeCount: differences.length,
  };
}

/** What a failback's API Management step means for the plan (pure). */
export function failbackVerdict(r: FailbackApimResult, target: string, drill: boolean): StepVerdict {
  const where = drill ? `the drill target ${target}` : `the primary ${target}`;
  if (r.restore === undefined)
    return {
      outcome: r.outcome,
      error: r.error ?? { code: 'FailbackFailed', message: r.outcome },
      summary: `fresh backup of the standby: ${r.error?.message ?? r.outcome}; nothing was restored into ${where}`,
      evidence: {
        target,
        direction: 'failback',
        ...(r.backup === undefined ? {} : { freshBackup: r.backup }),
      },
    };
  const base = restoreVerdict(r.restore, target);
  const round = roundTripEvidence(r);
  const changed =
    r.difference === undefined
      ? ''
      : drill
        ? `; written on the standby since the failover: ${r.difference.changeCount} change(s), which the primary would get`
        : `; written on the standby since the failover: ${r.difference.changeCount} change(s), now on the primary`;
  return {
    ...base,
    summary:
      r.outcome === 'succeeded'
        ? `fresh backup of the standby (${r.backup?.name ?? '?'}) restored into ${where}, verified against the standby's manifest${changed}`
        : base.summary,
    evidence: {
      ...base.evidence,
      direction: 'failback',
      role: drill ? 'drillTarget' : 'primary',
      ...(r.backup === undefined ? {} : { freshBackup: r.backup }),
      ...(round === undefined ? {} : { roundTrip: round }),
    },
  };
}

/** The round trip as a failback step's evidence carries it (what the report's `roundTrip` is built from). */
function roundTripEvidence(r: FailbackApimResult): RoundTripEvidence | undefined {
  if (r.left === undefined) return undefined;
  return {
    leftRun: r.left.runId,
    leftAt: r.left.since,
    ...(r.difference === undefined ? {} : { difference: r.difference }),
    ...(r.differenceNote === undefined ? {} : { differenceNote: r.differenceNote }),
  };
}

export interface RoundTripEvidence {
  leftRun: string;
  leftAt: string;
  difference?: RoundTripDifference;
  differenceNote?: string;
}

/** The report's round trip of a failback (what the report and its HTML show). */
export interface RoundTrip {
  /** When production left the primary, and the failover that moved it. */
  leftAt?: string;
  leftRun?: string;
  /** When it came back (the primary recorded active), by this run; absent in a drill or a run that did not finish. */
  backAt?: string;
  /** How long production ran on the standby, in minutes. */
  awayMinutes?: number;
  /** What was written on the standby meanwhile that the primary now has (per service). */
  differences: (RoundTripDifference & { service: string })[];
  /** Why a service's difference is not shown. */
  notes: string[];
}

/**
 * The round trip of a failback run (pure): from its API Management steps' evidence, and `backAt`
 * when the run recorded the primary active.
 */
export function roundTripOf(
  steps: readonly { kind: string; target: string; evidence?: Record<string, unknown> | undefined }[],
  backAt: string | undefined,
): RoundTrip {
  const trips = steps.flatMap((s) => {
    const e = s.evidence?.['roundTrip'] as RoundTripEvidence | undefined;
    return s.kind === 'apim.restore' && e !== undefined ? [{ service: s.target, ...e }] : [];
  });
  const first = [...trips].sort((a, b) => (a.leftAt < b.leftAt ? -1 : 1))[0];
  const away =
    first === undefined || backAt === undefined
      ? undefined
      : Math.round((Date.parse(backAt) - Date.parse(first.leftAt)) / 6_000) / 10;
  return {
    ...(first === undefined ? {} : { leftAt: first.leftAt, leftRun: first.leftRun }),
    ...(backAt === undefined ? {} : { backAt }),
    ...(away === undefined ? {} : { awayMinutes: away }),
    differences: trips.flatMap((t) =>
      t.difference === undefined ? [] : [{ service: t.service, ...t.difference }],
    ),
    notes: trips.flatMap((t) =>
      t.differenceNote === undefined ? [] : [`${t.service}: ${t.differenceNote}`],
    ),
  };
}

/**
 * The backup the standby held when it took production, from the failover's report (pure): its
 * API Management step for `service` restored it, or found the standby already holding it.
 */
export function backupAtFailover(
  report:
    | {
        groups: {
          steps: { kind: string; target: string; evidence?: Record<string, unknown> | undefined }[];
        }[];
      }
    | undefined,
  service: string,
): string | undefined {
  const step = report?.groups
    .flatMap((g) => g.steps)
    .find((s) => s.kind === 'apim.restore' && s.target.toLowerCase() === service.toLowerCase());
  const backup = step?.evidence?.['backup'];
  return typeof backup === 'string' ? backup : undefined;
}
