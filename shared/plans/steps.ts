import type { RunAgentCommandInput, RunAgentCommandOutcome } from '../relay/contracts';
import type {
  LyncConferenceRestoreInput,
  LyncConferenceRestoreResult,
  VmFailbackInput,
  VmFailbackResult,
} from '../onprem/contracts';
import type { Outcome, Problem } from '../outcome';
import {
  buildRestoreInput,
  type ConfiguredService,
  type RestoreRunInput,
  type RestoreRunResult,
  type RestoreSettings,
  restoreInstanceId,
} from '../restore/run';
import type { TrafficSwitchResult, TrafficTarget } from '../traffic/contracts';
import type { PlanStep, RunMode } from './plan';
import { describeRouting } from '../traffic/decide';
import type { StepEnded } from './run';

/**
 * What each plan step kind does in each mode (issue 10), as pure functions: which flow or
 * command a step runs (`stepWork`), and what its result means for the plan (`stepResult`).
 *
 * | kind | failover | drill |
 * |---|---|---|
 * | apim.restore | restore into the standby | restore into the service's first drill target |
 * | lync.conferenceRestore | sync, wait for steady state | read the Backup Service status |
 * | hyperv.failback | failback per VM | test failover per VM, check, always stop |
 * | pchat.legacyEndpoint | ensure the endpoint (idempotent) | read it: exists, points at the pool |
 * | traffic.switch | record, enable + prefer the standby, disable the primary, wait applied, probe | read and validate, change nothing |
 */

/** What a step runs, decided before it starts (a refusal runs nothing). */
export type StepWork =
  | {
      kind: 'restore';
      input: RestoreRunInput;
      target: string;
      instanceId: string;
      /** Why a failover restores although a standby sync exists (issue 23: ./standbyStep.ts). */
      standbyNotUsed?: string;
    }
  /** A failover's restore step whose standby is already current: nothing runs (./standbyStep.ts). */
  | { kind: 'standbyCurrent'; verdict: StepVerdict }
  | { kind: 'lyncSync'; input: LyncConferenceRestoreInput }
  | { kind: 'vms'; input: VmFailbackInput }
  | { kind: 'command'; input: RunAgentCommandInput }
  | {
      kind: 'traffic';
      action: 'failover' | 'drill';
      target: TrafficTarget;
      pollMs: number;
      applyTimeoutMs: number;
    }
  | { kind: 'refused'; error: Problem };

/** The configuration a step needs (read by the `preparePlanStep` activity). */
export interface StepContext {
  services: readonly ConfiguredService[];
  sites: readonly string[];
  restore: RestoreSettings;
  /** The traffic section (absent: its defaults, 15 s between reads, 30 min to apply). */
  traffic?: { pollSeconds: number; applyTimeoutMinutes: number };
}

/** The work of `step` in `mode`. */
export function stepWork(step: PlanStep, mode: RunMode, ctx: StepContext): StepWork {
  if (step.kind === 'apim.restore') {
    const service = ctx.services.find(
      (s) => s.serviceName.toLowerCase() === step.params.service.toLowerCase(),
    );
    if (service === undefined)
      return refusedWork('UnknownService', `${step.params.service} is not a protected service`);
    const target = mode === 'drill' ? service.drillTargets[0] : service.standby;
    if (target === undefined)
      return mode === 'drill'
        ? refusedWork(
            'NoDrillTarget',
            `${service.serviceName} has no drill target: a drill never restores anywhere else`,
          )
        : refusedWork('NoStandby', `${service.serviceName} has no standby configured`);
    return {
      kind: 'restore',
      target: target.serviceName,
      // The per-target singleton id: a plan's restore and one started over HTTP never overlap.
      instanceId: restoreInstanceId(target.resourceId),
      input: buildRestoreInput(
        service,
        { targetResourceId: target.resourceId, backup: 'latest', mode },
        ctx.restore,
      ),
    };
  }
  if (step.kind === 'traffic.switch')
    return {
      kind: 'traffic',
      action: mode,
      target: step.params,
      pollMs: (ctx.traffic?.pollSeconds ?? 15) * 1000,
      applyTimeoutMs: Math.min(ctx.traffic?.applyTimeoutMinutes ?? 30, step.timeoutMinutes) * 60_000,
    };
  const site = step.params.site;
  if (!ctx.sites.includes(site)) return refusedWork('UnknownSite', `${site} is not in LIFEBOAT_RELAY_SITES`);
  switch (step.kind) {
    case 'lync.conferenceRestore':
      return mode === 'failover'
        ? {
            kind: 'lyncSync',
            input: {
              site,
              poolFqdn: step.params.poolFqdn,
              lostPoolFqdn: step.params.lostPoolFqdn,
              module: step.params.module,
              mode,
            },
          }
        : {
            kind: 'command',
            input: {
              site,
              type: 'lync.backupStatus',
              params: { poolFqdn: step.params.poolFqdn, module: step.params.module },
              mode,
            },
          };
    case 'hyperv.failback':
      return {
        kind: 'vms',
        input: {
          site,
          vms: step.params.vms,
          mode,
          action: mode === 'drill' ? 'testFailover' : 'failback',
          ...(step.params.recoveryPointId === undefined
            ? {}
            : { recoveryPointId: step.params.recoveryPointId }),
          ...(step.params.concurrency === undefined ? {} : { concurrency: step.params.concurrency }),
        },
      };
    case 'pchat.legacyEndpoint':
      return mode === 'failover'
        ? {
            kind: 'command',
            input: {
              site,
              type: 'pchat.ensureLegacyEndpoint',
              params: {
                sipAddress: step.params.sipAddress,
                poolFqdn: step.params.poolFqdn,
                ...(step.params.displayName === undefined ? {} : { displayName: step.params.displayName }),
              },
              mode,
            },
          }
        : {
            kind: 'command',
            input: {
              site,
              type: 'pchat.getLegacyEndpoint',
              params: { sipAddress: step.params.sipAddress },
              mode,
            },
          };
  }
}

function refusedWork(code: string, message: string): StepWork {
  return { kind: 'refused', error: { code, message } };
}

/** A step's end as the plan reads it (times are added by the caller). */
export type StepVerdict = Omit<StepEnded, 'type' | 'stepId' | 'startedAt' | 'endedAt'>;

const errorOf = (e: Problem | undefined) => (e === undefined ? {} : { error: e });
const minutes = (ms: number) => Math.round(ms / 6_000) / 10;

/** What a restore result means for the plan. */
export function restoreVerdict(r: RestoreRunResult, target: string, standbyNotUsed?: string): StepVerdict {
  const age = r.recoveryPointAgeMs === undefined ? undefined : minutes(r.recoveryPointAgeMs);
  const summary =
    r.outcome === 'succeeded'
      ? `restored ${r.backup?.name ?? 'a backup'} (${age ?? '?'} min old) into ${target}; configuration verified${
          r.smokeCheck?.status === 'passed' ? ', gateway healthy' : ''
        }`
      : `restore into ${target}: ${r.error?.message ?? r.outcome}`;
  return {
    outcome: r.outcome,
    ...errorOf(r.error),
    summary,
    evidence: {
      target,
      ...(standbyNotUsed === undefined ? {} : { standbyNotUsed }),
      ...(r.target.role === undefined ? {} : { role: r.target.role }),
      ...(r.backup === undefined ? {} : { backup: r.backup.name, backupTakenAt: r.backup.takenAt }),
      ...(age === undefined ? {} : { recoveryPointAgeMinutes: age }),
      ...(r.verification === undefined
        ? {}
        : {
            verification: r.verification.equal
              ? 'equal to the backup'
              : `${r.verification.differenceCount} difference(s)`,
            differences: r.verification.differences,
          }),
      ...(r.smokeCheck === undefined ? {} : { gatewayCheck: r.smokeCheck.status }),
      timings: r.timings,
    },
    ...(r.backup === undefined ? {} : { recoveryPointAt: r.backup.takenAt }),
  };
}

/** What a Lync conference restore (failover) means. */
export function lyncSyncVerdict(r: LyncConferenceRestoreResult): StepVerdict {
  return {
    outcome: r.outcome,
    ...errorOf(r.error),
    summary:
      r.outcome === 'succeeded'
        ? `${r.module} on ${r.poolFqdn} synced and steady`
        : `${r.module} on ${r.poolFqdn}: ${r.error?.message ?? r.outcome}`,
    evidence: {
      pool: r.poolFqdn,
      module: r.module,
      polls: r.polls,
      ...(r.lastStatus === undefined
        ? {}
        : { exportStatus: r.lastStatus.exportStatus, importStatus: r.lastStatus.importStatus }),
    },
  };
}

/** What a Hyper-V fan-out (failback or test failover) means. */
export function vmsVerdict(r: VmFailbackResult, mode: RunMode): StepVerdict {
  const what = mode === 'drill' ? 'test failover' : 'failback';
  const ok = r.counts.succeeded;
  return {
    outcome: r.outcome,
    ...errorOf(r.error),
    summary: `${what}: ${ok} of ${r.vms.length} VM(s) at ${r.site} ${mode === 'drill' ? 'tested and cleaned up' : 'failed back'}${
      r.outcome === 'succeeded'
        ? ''
        : `; ${r.vms
            .filter((v) => v.outcome !== 'succeeded')
            .map((v) => `${v.vm}: ${v.error?.message ?? v.outcome}`)
            .join('; ')}`
    }`,
    evidence: {
      site: r.site,
      counts: r.counts,
      vms: r.vms.map((v) => ({
        vm: v.vm,
        outcome: v.outcome,
        ...(v.replicationState === undefined ? {} : { replicationState: v.replicationState }),
        ...('testVm' in v && v.testVm !== undefined ? { testVm: v.testVm } : {}),
        ...(v.alreadyDone ? { alreadyDone: true } : {}),
        ...(v.error === undefined ? {} : { error: v.error.message }),
      })),
    },
  };
}

/** What a single command (a drill's read, or the Persistent Chat ensure) means. */
export function commandVerdict(step: PlanStep, r: RunAgentCommandOutcome): StepVerdict {
  if (r.outcome !== 'succeeded' || r.output === undefined)
    return {
      outcome: r.outcome === 'succeeded' ? 'failed' : r.outcome,
      error: r.error ?? { code: 'NoOutput', message: `${r.type}: no output` },
      summary: `${r.type}: ${r.error?.message ?? r.outcome}`,
      evidence: { command: r.type, attempts: r.attempts },
    };
  const out = r.output as Record<string, unknown>;
  switch (r.type) {
    case 'lync.backupStatus': {
      const state = String(out['state']);
      const evidence = {
        command: r.type,
        pool: out['poolFqdn'],
        module: out['module'],
        exportStatus: out['exportStatus'],
        importStatus: out['importStatus'],
      };
      return state === 'failed'
        ? {
            outcome: 'failed',
            error: {
              code: 'BackupServiceError',
              message: `the Backup Service reports ${String(out['exportStatus'])}/${String(out['importStatus'])}: a failover sync would not work`,
            },
            summary: `Backup Service on ${String(out['poolFqdn'])} is in an error state`,
            evidence,
          }
        : {
            outcome: 'succeeded',
            summary: `read only: Backup Service on ${String(out['poolFqdn'])} reports ${String(out['exportStatus'])}/${String(out['importStatus'])}`,
            evidence,
          };
    }
    case 'pchat.getLegacyEndpoint': {
      const want = step.kind === 'pchat.legacyEndpoint' ? step.params.poolFqdn : '';
      const exists = out['exists'] === true;
      const pool = typeof out['poolFqdn'] === 'string' ? out['poolFqdn'] : undefined;
      const evidence = {
        command: r.type,
        sipAddress: out['sipAddress'],
        exists,
        ...(pool ? { poolFqdn: pool } : {}),
      };
      if (!exists)
        return {
          outcome: 'succeeded',
          summary: `read only: ${String(out['sipAddress'])} does not exist yet; a failover creates it on ${want}`,
          evidence,
        };
      return pool !== undefined && pool.toLowerCase() === want.toLowerCase()
        ? {
            outcome: 'succeeded',
            summary: `read only: ${String(out['sipAddress'])} exists and points at ${want}`,
            evidence,
          }
        : {
            outcome: 'failed',
            error: {
              code: 'EndpointPointsElsewhere',
              message: `${String(out['sipAddress'])} points at ${pool ?? 'another pool'}, not ${want}: a failover could not create it`,
            },
            summary: `${String(out['sipAddress'])} points at ${pool ?? 'another pool'}`,
            evidence,
          };
    }
    case 'pchat.ensureLegacyEndpoint':
      return {
        outcome: 'succeeded',
        summary: `${String(out['sipAddress'])} ${out['created'] === true ? 'created' : 'already there'} on ${String(out['poolFqdn'])}`,
        evidence: {
          command: r.type,
          sipAddress: out['sipAddress'],
          poolFqdn: out['poolFqdn'],
          created: out['created'],
        },
      };
    default:
      return { outcome: 'succeeded', summary: `${r.type} succeeded`, evidence: { command: r.type } };
  }
}

/** A refusal decided before the step ran. */
export function refusedVerdict(error: Problem): StepVerdict {
  return { outcome: 'refused' satisfies Outcome, error, summary: error.message, evidence: {} };
}

const describe = (r: TrafficSwitchResult, snapshot: TrafficSwitchResult['before']) =>
  snapshot === undefined ? undefined : describeRouting(snapshot, [r.target.primary, r.target.standby]);

/** What a traffic switch (failover) or its drill check means; the evidence shows before and after. */
export function trafficVerdict(r: TrafficSwitchResult, mode: RunMode): StepVerdict {
  const before = describe(r, r.before);
  const after = describe(r, r.after);
  const profile = r.target.profile.split('/').at(-1) ?? r.target.profile;
  const summary =
    r.outcome === 'succeeded'
      ? mode === 'drill'
        ? `read only: ${r.target.standby} is ready to take traffic on ${profile}${r.health === undefined ? '' : ', gateway healthy'}`
        : `traffic on ${profile} moved to ${r.target.standby}${r.health === undefined ? '' : ', gateway healthy'}`
      : `${profile}: ${r.error?.message ?? r.outcome}`;
  return {
    outcome: r.outcome,
    ...errorOf(r.error),
    summary,
    evidence: {
      provider: r.target.provider,
      profile: r.target.profile,
      primary: r.target.primary,
      standby: r.target.standby,
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
      changes: r.changes,
      ...(r.findings.length === 0 ? {} : { findings: r.findings }),
      ...(r.health === undefined
        ? {}
        : { gatewayCheck: r.health.ok ? 'passed' : `failed (${r.health.httpStatus})` }),
      polls: r.polls,
    },
  };
}

/**
 * What a traffic put-back cleanup found: `undefined` when it was not needed (the plan succeeded:
 * traffic stays on the standby), else the put-back's result, with before and after in the detail.
 */
export function trafficCleanupResult(r: TrafficSwitchResult | undefined): {
  outcome: Outcome;
  error?: Problem;
  detail: string;
} {
  if (r === undefined)
    return {
      outcome: 'succeeded',
      detail: 'not needed: the failover succeeded, traffic stays on the standby',
    };
  const names = [r.target.primary, r.target.standby];
  if (r.outcome !== 'succeeded')
    return {
      outcome: 'failed',
      error: {
        code: 'CleanupFailed',
        message: `the traffic routing was not put back: ${r.error?.message ?? r.outcome}`,
      },
      detail: `put-back ${r.outcome}${r.after === undefined ? '' : `; now ${describeRouting(r.after, names)}`}`,
    };
  if (r.before === undefined)
    return { outcome: 'succeeded', detail: 'nothing to put back: no switch was made' };
  return {
    outcome: 'succeeded',
    detail: `put back to ${describeRouting(r.before, names)}${
      r.changes.length === 0 ? ' (already so)' : ` (${r.changes.length} change(s) applied)`
    }`,
  };
}
