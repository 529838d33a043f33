import type { OrchestrationContext } from 'durable-functions';
import type { Problem } from '../../shared/outcome';
import type {
  ProbeTrafficEntryOutput,
  RoutingChange,
  RoutingSnapshot,
  TrafficSwitchResult,
  TrafficTarget,
} from '../../shared/traffic/contracts';
import { call, finish, lazy, orchestration, pollUntil, progress, reported, type Gen } from '../kit';
import { traffic as names } from '../names/traffic';

/**
 * A traffic switch (issue 23), one of three actions:
 * - `failover`: `switchTraffic` (records what was there, then enables and prefers the standby and
 *   disables the primary), reads the profile back until the changes are applied (Front Door: the
 *   changed origins deployed), then probes the health path through the public endpoint clients
 *   use (the step's `publicEndpoint`, the Front Door endpoint routing the origin group, or the
 *   endpoint Traffic Manager now answers, which must be the standby);
 * - `drill`: reads and validates only (the standby exists, is not reported unhealthy, its gateway
 *   answers the health path, the public endpoint a failover will probe can be found): no write
 *   reaches the profile;
 * - `putBack`: a cancelled or failed plan's cleanup: `restoreTrafficRouting` sends back what the
 *   record says was there, and waits until that is applied.
 * Decisions are in shared/traffic/decide.ts. Never throws: every ending is a result.
 */

const contracts = lazy(() => import('../../shared/traffic/contracts'));
const decide = lazy(() => import('../../shared/traffic/decide'));

const EVENT = 'lifeboat.traffic.switch';

type Attempt<T> = { ok: true; value: T } | { ok: false; error: Problem };

function* attempt<T>(step: () => Gen<T>): Gen<Attempt<T>> {
  return yield* reported<Attempt<T>>(
    function* () {
      return { ok: true, value: yield* step() };
    },
    (error) => ({ ok: false, error }),
  );
}

orchestration(names.trafficSwitch, {
  uses: [contracts, decide],
  input: () => contracts.get().trafficSwitchInputSchema,
  event: EVENT,
  ended: (ending, raw): TrafficSwitchResult => {
    const r = (raw ?? {}) as { action?: unknown; target?: unknown };
    const action: TrafficSwitchResult['action'] =
      r.action === 'drill' || r.action === 'putBack' ? r.action : 'failover';
    return {
      ...ending,
      action,
      target: r.target as TrafficTarget,
      changes: [],
      findings: [],
      polls: 0,
    };
  },
  *run(context, input) {
    const { target, action } = input;
    const base = { action, target, changes: [] as RoutingChange[], findings: [] as string[], polls: 0 };
    const end = (result: TrafficSwitchResult) =>
      finish(context, EVENT, result, { runId: input.runId, stepId: input.stepId, action });

    if (action === 'drill') {
      progress(context, { phase: 'reading', percent: 10, waitingFor: `the routing of ${target.profile}` });
      const read = yield* attempt(() => call(context, names.readTrafficRouting, { target }));
      if (!read.ok) return end({ ...base, outcome: 'failed', error: read.error });
      const findings = decide.get().drillFindings(target, read.value);
      const health = yield* probeStandby(context, target, read.value);
      if (health !== undefined && !health.ok)
        findings.push(`the standby's gateway answered ${health.httpStatus} on ${health.url}`);
      // The way in a failover will check (last, so a drill in flight replays what it started with).
      const way = yield* publicEndpointFinding(context, target);
      if (way !== undefined) findings.push(way);
      return end({
        ...base,
        outcome: findings.length === 0 ? 'succeeded' : 'failed',
        ...(findings.length === 0 ? {} : { error: { code: 'DrillFindings', message: findings.join('; ') } }),
        before: read.value,
        after: read.value,
        findings,
        ...(health === undefined ? {} : { health }),
      });
    }

    if (action === 'failover') {
      progress(context, {
        phase: 'switching',
        percent: 10,
        waitingFor: `${target.standby} enabled, ${target.primary} disabled`,
      });
      const sw = yield* attempt(() =>
        call(context, names.switchTraffic, { runId: input.runId, stepId: input.stepId, target }),
      );
      if (!sw.ok) return end({ ...base, outcome: 'failed', error: sw.error });
      const { record, sent } = sw.value;
      const waited = yield* waitApplied(context, input, record.changes);
      const result = { ...base, before: record.before, changes: sent, polls: waited.polls };
      if (waited.after !== undefined) Object.assign(result, { after: waited.after });
      if (waited.error !== undefined)
        return end({ ...result, outcome: waited.timedOut ? 'timedOut' : 'failed', error: waited.error });
      const health = yield* probePublic(context, target);
      if (!health.ok)
        return end({
          ...result,
          outcome: 'failed',
          error: {
            code: 'StandbyUnhealthy',
            message: `traffic moved to ${target.standby}, but the public endpoint answered ${health.httpStatus} on ${health.url}`,
          },
          health,
        });
      if (health.answeredBy !== undefined && health.answeredBy.toLowerCase() !== target.standby.toLowerCase())
        return end({
          ...result,
          outcome: 'failed',
          error: {
            code: 'NotThroughStandby',
            message: `Traffic Manager still answers with ${health.answeredBy}, not the standby ${target.standby}`,
          },
          health,
        });
      return end({ ...result, outcome: 'succeeded', health });
    }

    // putBack
    progress(context, {
      phase: 'puttingBack',
      percent: 10,
      waitingFor: `the recorded routing of ${target.profile}`,
    });
    const back = yield* attempt(() =>
      call(context, names.restoreTrafficRouting, { runId: input.runId, stepId: input.stepId }),
    );
    if (!back.ok) return end({ ...base, outcome: 'failed', error: back.error });
    const record = back.value.record;
    if (!back.value.recorded || record === undefined) return end({ ...base, outcome: 'succeeded' });
    const waited = yield* waitApplied(
      context,
      { target, pollMs: back.value.pollMs, applyTimeoutMs: back.value.applyTimeoutMs },
      decide.get().desiredOf(record.before, record.changes),
    );
    const result = {
      ...base,
      before: record.before,
      changes: back.value.sent,
      polls: waited.polls,
      ...(waited.after === undefined ? {} : { after: waited.after }),
    };
    return end(
      waited.error === undefined
        ? { ...result, outcome: 'succeeded' }
        : { ...result, outcome: waited.timedOut ? 'timedOut' : 'failed', error: waited.error },
    );
  },
});

/** Reads the profile back (durable timers between reads) until `desired` is applied, fails or the deadline passes. */
function* waitApplied(
  context: OrchestrationContext,
  input: { target: TrafficTarget; pollMs: number; applyTimeoutMs: number },
  desired: readonly RoutingChange[],
): Gen<{ after?: RoutingSnapshot; error?: Problem; timedOut: boolean; polls: number }> {
  const d = decide.get();
  let after: RoutingSnapshot | undefined;
  let failure: Problem | undefined;
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + input.applyTimeoutMs);
  const end = yield* pollUntil<true>(context, {
    deadline,
    intervalMs: input.pollMs,
    immediate: true,
    poll: function* () {
      const read = yield* attempt(() => call(context, names.readTrafficRouting, { target: input.target }));
      if (!read.ok) {
        failure = read.error;
        return { done: true, value: true };
      }
      after = read.value;
      const state = d.routingApplied(read.value, desired);
      if (state.state === 'applied') return { done: true, value: true };
      if (state.state === 'failed') {
        failure = state.error;
        return { done: true, value: true };
      }
      progress(context, { phase: 'waitingForApply', percent: 50, waitingFor: state.waitingFor });
      return { done: false };
    },
  });
  const polls = end.polls;
  if (!end.done)
    return {
      ...(after === undefined ? {} : { after }),
      error: {
        code: 'NotApplied',
        message: `the routing change was not applied within ${Math.round(input.applyTimeoutMs / 60_000)} minutes`,
      },
      timedOut: true,
      polls,
    };
  return {
    ...(after === undefined ? {} : { after }),
    ...(failure === undefined ? {} : { error: failure }),
    timedOut: false,
    polls,
  };
}

/** Probes the health path through the public endpoint (the restore's gateway check, from the clients' side). */
function* probePublic(context: OrchestrationContext, target: TrafficTarget): Gen<ProbeTrafficEntryOutput> {
  progress(context, {
    phase: 'probing',
    percent: 90,
    waitingFor: `the health path through ${target.profile}`,
  });
  const probe = yield* attempt(() => call(context, names.probeTrafficEntry, { target, via: 'public' }));
  return probe.ok
    ? probe.value
    : { ok: false, httpStatus: 0, url: `${target.profile} (public endpoint): ${probe.error.message}` };
}

/**
 * A drill's check of the way in: the public endpoint a failover will probe can be found (Front
 * Door: an endpoint routes to the origin group). It answers through the primary today, so only a
 * missing endpoint is a finding; its health is the primary's business, not the drill's.
 */
function* publicEndpointFinding(
  context: OrchestrationContext,
  target: TrafficTarget,
): Gen<string | undefined> {
  const probe = yield* attempt(() => call(context, names.probeTrafficEntry, { target, via: 'public' }));
  return !probe.ok && probe.error.code === 'NoPublicEndpoint' ? probe.error.message : undefined;
}

/** Probes the standby's gateway health path when the routing names its host (the restore's gateway check). */
function* probeStandby(
  context: OrchestrationContext,
  target: TrafficTarget,
  routing: RoutingSnapshot,
): Gen<ProbeTrafficEntryOutput | undefined> {
  const standby = decide.get().entryOf(routing, target.standby);
  if (standby?.hostName === undefined) return undefined;
  progress(context, { phase: 'probing', percent: 90, waitingFor: `the health path of ${standby.name}` });
  const probe = yield* attempt(() =>
    call(context, names.probeTrafficEntry, {
      target,
      hostName: standby.hostName ?? '',
      ...(standby.httpsPort === undefined ? {} : { httpsPort: standby.httpsPort }),
    }),
  );
  return probe.ok
    ? probe.value
    : { ok: false, httpStatus: 0, url: `https://${standby.hostName}: ${probe.error.message}` };
}
