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
import type { StepDecision } from './decisions';
import type { FailbackApimInput } from './failback';

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
 * | manual | wait for an Approver's done / abort (at most the timeout) | skipped with the reason (`drill: "wait"`: as a failover, an Operator confirms) |
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
  /**
   * A person acts (issue 22 item 5): the step waits for an Approver's `done` or `abort`
   * (`skip`: a drill shows the instructions and skips it, with the reason).
   */
  | { kind: 'manual'; instructions: string; skip?: string }
  /** A failback's API Management step (issue 23: ./failback.ts): fresh backup of the standby, restored home. */
  | { kind: 'failback'; input: FailbackApimInput; target: string }
  /** Nothing to do in this run's direction (a failback's on-premises steps: ./failback.ts), with the reason. */
  | { kind: 'skipped'; reason: string }
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
  if (step.kind === 'manual')
    return mode === 'drill' && step.params.drill === 'skip'
      ? {
          kind: 'manual',
          instructions: step.params.instructions,
          skip: 'a drill shows a manual step and skips it (its params.drill is "skip")',
        }
      : { kind: 'manual', instructions: step.params.instructions };
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

/**
 * The instance id of a step's child flow, known before it starts so a timeout can stop it: a
 * restore keeps its per-target id (a plan's restore and one started over HTTP never overlap);
 * anything else is `<step instance>-work` (a step instance runs once per run).
 */
export function childInstanceId(
  work: Exclude<StepWork, { kind: 'refused' }>,
  stepInstanceId: string,
): string {
  return work.kind === 'restore' ? work.instanceId : `${stepInstanceId}-work`;
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
  const warnings = (r.warnings ?? []).map((w) => w.message);
  const verified =
    r.verification === undefined || r.verification.equal
      ? 'configuration verified'
      : r.verification.manifestMissing === true
        ? 'configuration not verified (no manifest)'
        : `configuration differs from the backup (${r.verification.differenceCount} difference(s))`;
  const summary =
    r.outcome === 'succeeded'
      ? `restored ${r.backup?.name ?? 'a backup'} (${age ?? '?'} min old) into ${target}; ${verified}${
          r.smokeCheck?.status === 'passed' ? ', gateway healthy' : ''
        }${warnings.length === 0 ? '' : `; warning: ${warnings.join('; ')}`}`
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
              : r.verification.manifestMissing === true
                ? 'not verified: the backup has no manifest'
                : `${r.verification.differenceCount} difference(s)`,
            differences: r.verification.differences,
          }),
      ...(r.smokeCheck === undefined ? {} : { gatewayCheck: r.smokeCheck.status }),
      ...(warnings.length === 0 ? {} : { warnings }),
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

/** What a manual step made of its decision records (pure): the first decides, later ones are kept as ignored. */
export function decideManualStep(
  decisions: readonly StepDecision[],
): { decided: StepDecision; ignored: StepDecision[] } | undefined {
  const [first, ...rest] = [...decisions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return first === undefined ? undefined : { decided: first, ignored: rest };
}

/** A manual step a drill skips (issue 22 item 5): shown with its instructions, skipped with the reason. */
export function manualSkippedVerdict(instructions: string, reason: string): StepVerdict {
  return { outcome: 'succeeded', skipped: reason, summary: `skipped: ${reason}`, evidence: { instructions } };
}

/**
 * What a manual step's decision means (pure): `done` succeeds, `abort` fails the step (the plan
 * then stops or goes on by the step's `onFailure`), none before the deadline is `timedOut`. The
 * first recorded decision counts; later ones are kept as ignored.
 */
export function manualVerdict(
  step: PlanStep,
  instructions: string,
  found: { decided: StepDecision; ignored: readonly StepDecision[] } | undefined,
): StepVerdict {
  const view = (d: StepDecision) => ({
    decision: d.decision,
    by: d.by.name,
    at: d.at,
    ...(d.comment === undefined ? {} : { comment: d.comment }),
  });
  if (found === undefined)
    return {
      outcome: 'timedOut',
      error: {
        code: 'StepTimedOut',
        message: `${step.id}: nobody confirmed done or abort within ${step.timeoutMinutes} minutes (the step's timeout)`,
      },
      summary: `no one confirmed the manual step within ${step.timeoutMinutes} minutes`,
      evidence: { instructions },
    };
  const d = found.decided;
  const evidence = {
    instructions,
    decision: view(d),
    ...(found.ignored.length === 0
      ? {}
      : {
          ignored: found.ignored.map((i) => ({
            ...view(i),
            reason: `the step was already decided (${d.decision} by ${d.by.name})`,
          })),
        }),
  };
  const note = d.comment === undefined ? '' : `: ${d.comment}`;
  return d.decision === 'done'
    ? { outcome: 'succeeded', summary: `done, confirmed by ${d.by.name}${note}`, evidence }
    : {
        outcome: 'failed',
        error: { code: 'ManualStepAborted', message: `${step.id}: aborted by ${d.by.name}${note}` },
        summary: `aborted by ${d.by.name}${note}`,
        evidence,
      };
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
        : {
            gatewayCheck: r.health.ok ? 'passed' : `failed (${r.health.httpStatus})`,
            // Where the health path was asked: the gateway itself, or the public endpoint (after a switch).
            healthUrl: r.health.url,
            ...(r.health.via === undefined ? {} : { healthVia: r.health.via }),
            ...(r.health.answeredBy === undefined ? {} : { answeredBy: r.health.answeredBy }),
          }),
      polls: r.polls,
    },
  };
}

/**
 * What a test VM cleanup (`hyperv.stopTestFailover`) found (issue 21 item 4): removed, already
 * gone, or nothing to remove because the VM itself is not at the site (`NotFound`: no test VM can
 * have been made from it). A cleanup problem is claimed only for a test VM that may exist.
 */
export function testVmCleanupResult(
  stopped: { outcome: Outcome; output?: { removed: boolean } | undefined; error?: Problem | undefined },
  description: string,
  vm: string,
): { outcome: Outcome; error?: Problem; detail: string } {
  if (stopped.outcome === 'succeeded')
    return {
      outcome: 'succeeded',
      detail:
        stopped.output?.removed === true ? 'removed by the cleanup' : 'already gone (the step removed it)',
    };
  if (stopped.error?.code === 'NotFound')
    return {
      outcome: 'succeeded',
      detail: `nothing to remove: ${vm} is not a replica VM at this site (NotFound), so no test VM was made from it`,
    };
  return {
    outcome: 'failed',
    error: {
      code: 'CleanupFailed',
      message: `${description} still exists: ${stopped.error?.message ?? stopped.outcome}`,
    },
    detail: `Stop-VMFailover did not succeed (${stopped.outcome})`,
  };
}

/**
 * What a traffic put-back cleanup found: `undefined` when it was not needed (the plan succeeded:
 * traffic stays on the standby), else the put-back's result, with before and after in the detail.
 */
export function trafficCleanupResult(
  r: TrafficSwitchResult | undefined,
  notNeeded = 'not needed: the failover succeeded, traffic stays on the standby',
): {
  outcome: Outcome;
  error?: Problem;
  detail: string;
} {
  if (r === undefined) return { outcome: 'succeeded', detail: notNeeded };
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
