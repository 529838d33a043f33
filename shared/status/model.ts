import { RANK, light, worst } from './colour';
import type { StatusInputs } from './inputs';
import type { RecoverAnswer, StatusReport } from './report';
import { alertLine } from './rules/alert';
import { failoverInEffect, planStatus } from './rules/plan';
import { serviceStatus } from './rules/service';
import { siteStatus } from './rules/site';
import { usageExportLine } from './rules/usageExport';
import { failedOverHeadline, standbyStatus } from './standby';

/**
 * The status model (issue 12): "can we recover now?" in red / amber / green, with the reason for
 * each colour, from data already read (pure: `now` is an input, nothing here does I/O). What is not
 * known is `unknown`, never green: a missing record says so and says where it would come from.
 *
 * One module per item kind: ./rules/service.ts (backups, last run, restore verification),
 * ./rules/target.ts (standby and drill targets), ./rules/site.ts, ./rules/plan.ts, ./rules/alert.ts;
 * colours and durations in ./colour.ts, the shapes in ./inputs.ts and ./report.ts. This module
 * folds them into the answer to "can we recover now?".
 */

export { humanDuration, worst, type Colour, type Light } from './colour';
export type { CatalogInput, PlanInput, ServiceInput, SiteInput, StatusInputs, TargetInput } from './inputs';
export type {
  AlertLine,
  PendingApproval,
  PlanStatus,
  RecoverAnswer,
  RunCommand,
  RunLine,
  ServiceStatus,
  SiteStatus,
  StatusReport,
  TargetStatus,
} from './report';
export { approveCommand, planStatus } from './rules/plan';
export { runOutcome } from './rules/run';
export { serviceStatus } from './rules/service';
export { siteStatus } from './rules/site';
export { targetLight } from './rules/target';

/** The status report: every item's colour and reason, and the answer to "can we recover now?". */
export function buildStatus(input: StatusInputs): StatusReport {
  const { now } = input;
  const services = input.services.map((s) => serviceStatus(s, now));
  const sites = input.sites.map((s) => siteStatus(s, now, input.heartbeatIntervalMs));
  const plans = input.plans?.map((p) => planStatus(p, input.baseUrl));
  const alerts = input.alerts?.decisions.slice(0, input.alertsShown).map(alertLine);
  const relay: StatusReport['relay'] =
    input.resultsPoisonCount !== null && input.resultsPoisonCount > 0
      ? {
          resultsPoisonCount: input.resultsPoisonCount,
          ...light('amber', `${input.resultsPoisonCount} agent result(s) in agent-results-poison`),
        }
      : {
          resultsPoisonCount: input.resultsPoisonCount,
          ...light('green', 'no agent result in agent-results-poison'),
        };

  const reasons: RecoverAnswer['reasons'] = [
    ...services.map((s) => ({ item: `service ${s.service}`, colour: s.colour, reason: s.reason })),
    ...sites.map((s) => ({ item: `site ${s.site}`, colour: s.colour, reason: s.reason })),
    ...(plans ?? []).map((p) => ({ item: `plan ${p.plan}`, colour: p.colour, reason: p.reason })),
    { item: 'relay', colour: relay.colour, reason: relay.reason },
    ...input.problems.map((p) => ({ item: 'status page', colour: 'unknown' as const, reason: p })),
  ]
    .filter((r) => r.colour !== 'green')
    .sort((a, b) => RANK[b.colour] - RANK[a.colour]);
  const colour = worst(...reasons.map((r) => r.colour));
  const nothing = services.length === 0 && sites.length === 0 && (plans ?? []).length === 0;
  const canRecover: Omit<RecoverAnswer, 'pendingApprovals' | 'notes'> = nothing
    ? {
        answer: 'unknown',
        headline: 'Not known: nothing is configured (no protected service, site or plan)',
        colour: 'unknown',
        reason: 'nothing is configured',
        reasons,
      }
    : colour === 'red'
      ? { answer: 'no', headline: 'No', colour, reason: reasons[0]!.reason, reasons }
      : colour === 'amber'
        ? {
            answer: 'yesWithWarnings',
            headline: 'Yes, with warnings',
            colour,
            reason: reasons[0]!.reason,
            reasons,
          }
        : colour === 'unknown'
          ? {
              answer: 'unknown',
              headline: 'Not known: some of what recovery needs is not recorded yet',
              colour,
              reason: reasons[0]!.reason,
              reasons,
            }
          : { answer: 'yes', headline: 'Yes', colour, reason: 'every item is green', reasons };

  const pendingApprovals = (plans ?? [])
    .flatMap((p) => p.pendingApprovals.map((a) => ({ plan: p.plan, ...a })))
    .sort((a, b) => (a.expiresAt ?? '9').localeCompare(b.expiresAt ?? '9'));
  const notes = (plans ?? []).flatMap((p) => failoverInEffect(p) ?? []);
  const answer: RecoverAnswer = {
    ...canRecover,
    ...(notes.length > 0 && canRecover.answer === 'yes'
      ? { headline: 'Yes, running on the standby', reason: notes[0]! }
      : {}),
    notes,
    pendingApprovals,
  };
  // The standbys (issue 23, ./standby.ts): production on a standby qualifies the headline.
  const standbys = input.standbys?.map((s) => standbyStatus(s, now));
  const failedOver = standbys === undefined ? undefined : failedOverHeadline(standbys);
  if (failedOver !== undefined)
    answer.headline =
      canRecover.answer === 'yes' ? `Yes, ${failedOver}` : `${canRecover.headline} (${failedOver})`;
  const unknowns = reasons.filter((r) => r.colour === 'unknown').map((r) => `${r.item}: ${r.reason}`);
  for (const s of services) {
    for (const part of [s.backup, s.lastRun, s.restoreVerification, ...s.targets])
      if (part.colour === 'unknown' && !unknowns.includes(`service ${s.service}: ${part.reason}`))
        unknowns.push(`service ${s.service}: ${part.reason}`);
  }
  return {
    generatedAt: now.toISOString(),
    canRecover: answer,
    services,
    sites,
    relay,
    heartbeatIntervalSeconds: Math.round(input.heartbeatIntervalMs / 1000),
    ...(plans === undefined ? {} : { plans }),
    ...(alerts === undefined ? {} : { alerts }),
    ...(standbys === undefined ? {} : { standbys }),
    unknowns,
    ...(input.services.length === 0
      ? {}
      : { usageExports: input.services.map((s) => usageExportLine(s.serviceName, s.usageExport, now)) }),
  };
}
