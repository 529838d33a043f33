import * as df from 'durable-functions';
import type { Config } from '../../shared/config';
import type { PlanStep, RunMode } from '../../shared/plans/plan';
import type { StepWork } from '../../shared/plans/steps';
import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * Decides what one plan step runs in its run's mode, from configuration (shared/plans/steps.ts).
 * A failback's step (issue 23) is decided by shared/plans/failback.ts: its API Management step
 * reads the active-side record (refused `NotFailedOver` when the standby no longer carries
 * production) and the failover's report (the backup the standby started from, for the round trip).
 * A failover's `apim.restore` also reads the standby (issue 23): refused when the standby is the
 * active side (unless the step says `intoActiveSide`), done without a restore when the standby's
 * last sync is current (shared/standby/decide.ts), else restored as before.
 */
activity(plans.preparePlanStep, {
  extraInputs: [df.input.durableClient()],
  input: async () => {
    const { z } = await import('zod');
    const { stepSchema } = await import('../../shared/plans/plan');
    return z.strictObject({
      step: stepSchema,
      mode: z.enum(['drill', 'failover']),
      runId: z.string().min(1).max(200).optional(),
      /** The step's orchestration time: the standby's age is judged at it. */
      now: z.iso.datetime().optional(),
      /** A failback run's step (issue 23): shared/plans/failback.ts decides its work. */
      failback: z.literal(true).optional(),
    });
  },
  handler: async ({ step, mode, runId, now: at, failback }, context) => {
    const { getConfig } = await import('../../shared/config');
    const { stepWork } = await import('../../shared/plans/steps');
    const config = getConfig();
    if (failback === true) return failbackStep(step, mode, runId ?? '', config);
    const work = stepWork(step, mode, {
      services: config.backup.services,
      sites: config.relay.sites,
      restore: config.restore,
      traffic: config.traffic,
    });
    if (work.kind !== 'restore' || mode !== 'failover' || step.kind !== 'apim.restore') return work;
    const service = config.backup.services.find(
      (s) => s.serviceName.toLowerCase() === step.params.service.toLowerCase(),
    );
    if (service?.standby === undefined) return work;
    const { standbyStore } = await import('../../shared/standby/deps');
    const { activeSideRefusal, decideStandbyUse } = await import('../../shared/standby/decide');
    const record = await (await standbyStore()).read(service.serviceName);
    const refusal = activeSideRefusal({
      pair: service,
      record,
      targetResourceId: work.input.targetResourceId,
      allowed: step.params.intoActiveSide,
    });
    if (refusal !== undefined) return { kind: 'refused' as const, error: refusal };
    if (record?.lastSync === undefined || runId === undefined || at === undefined) return work;

    const { restoreDeps } = await import('../../shared/restore/deps');
    const { createRestoreTargets } = await import('../../shared/restore/claimStore');
    const { isRunning, runtimeStatusOf } = await import('../../shared/durable/start');
    const { planDeps } = await import('../../shared/plans/deps');
    const { withStandby } = await import('../../shared/plans/standbyStep');
    const deps = await restoreDeps();
    const now = new Date(at);
    const [report, listed, target] = await Promise.all([
      (await planDeps()).store.readReport(runId),
      deps.store.list(service.serviceName, { includeMetadata: true }),
      createRestoreTargets(deps.container).read(service.standby.resourceId),
    ]);
    if (report === undefined) return work;
    const newest = listed
      .filter((b) => b.verified)
      .map((b) => ({ name: b.name, takenAt: b.takenAt }))
      .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime())[0];
    const holder = target?.holder ?? undefined;
    const client = df.getClient(context);
    const running = holder === undefined ? false : isRunning(await runtimeStatusOf(client, holder));
    return withStandby(
      work,
      decideStandbyUse({
        record,
        newestVerified: newest,
        rpoMs: report.rpo.targetMinutes * 60_000,
        now,
        targetHolder: running ? holder : undefined,
      }),
    );
  },
});

/** A failback's step: its work, and for an API Management step the failover it undoes. */
async function failbackStep(step: PlanStep, mode: RunMode, runId: string, config: Config): Promise<StepWork> {
  const { failbackWork, backupAtFailover } = await import('../../shared/plans/failback');
  const ctx = {
    services: config.backup.services,
    restore: config.restore,
    backup: config.backup,
    traffic: config.traffic,
    runId,
  };
  if (step.kind !== 'apim.restore') return failbackWork(step, mode, ctx);
  const service = config.backup.services.find(
    (s) => s.serviceName.toLowerCase() === step.params.service.toLowerCase(),
  );
  if (service?.standby === undefined) return failbackWork(step, mode, ctx);
  const { standbyStore } = await import('../../shared/standby/deps');
  const record = await (await standbyStore()).read(service.serviceName);
  const active = record?.active;
  if (active?.side !== 'standby')
    return {
      kind: 'refused',
      error: {
        code: 'NotFailedOver',
        message: `${service.serviceName} is not failed over (Lifeboat's record says its primary carries production): there is nothing to fail back`,
      },
    };
  const { planDeps } = await import('../../shared/plans/deps');
  const failover = await (await planDeps()).store.readReport(active.runId);
  const backup =
    backupAtFailover(failover, service.serviceName) ?? record?.lastVerifiedSync?.backup?.name ?? undefined;
  return failbackWork(step, mode, {
    ...ctx,
    left: { runId: active.runId, since: active.since, ...(backup === undefined ? {} : { backup }) },
  });
}
