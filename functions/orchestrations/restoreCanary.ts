import { publicError } from '../../shared/errors';
import type { CanaryMark, CanaryServiceResult, RestoreCanaryResult } from '../../shared/restore/canary';
import type { RestoreRunResult } from '../../shared/restore/run';
import { callRetrying, callSub, finish, lazy, orchestration, progress } from '../kit';
import { backup } from '../names/backup';
import { restore as names } from '../names/restore';

/**
 * The restore canary (issue 9): for each protected service with a drill target, one at a time,
 * restores its newest verified backup into its first drill target in drill mode (`restoreApim` as
 * a sub-orchestration under the target's singleton id), then records the outcome on the backup
 * blob used (`markRestoreVerified`; only `succeeded` makes it restore-verified). Services without
 * a drill target are skipped and reported. Started by `scheduledRestoreCanary` as `restore-canary`.
 */

const canary = lazy(() => import('../../shared/restore/canary'));

const EVENT = 'lifeboat.restore.canary';

orchestration(names.restoreCanary, {
  uses: [canary],
  input: () => canary.get().restoreCanaryInputSchema,
  event: EVENT,
  ended: (ending): RestoreCanaryResult => ({ ...ending, services: [] }),
  *run(context, input) {
    const services: CanaryServiceResult[] = input.skipped.map((s) => ({
      serviceName: s.serviceName,
      outcome: 'refused' as const,
      error: { code: 'NoDrillTarget', message: s.reason },
      skipped: true as const,
    }));
    let done = 0;
    for (const r of input.restores) {
      progress(context, {
        phase: 'restoring',
        percent: Math.round((done / input.restores.length) * 100),
        service: r.serviceName,
        target: r.targetName,
        instanceId: r.instanceId,
        waitingFor: `the restore of ${r.serviceName} into ${r.targetName}`,
      });
      let restored: RestoreRunResult;
      try {
        restored = yield* callSub(context, names.restoreApim, r.input, r.instanceId);
      } catch (error) {
        // The child could not run (a restore into that target is running, ...): nothing to mark.
        services.push({
          serviceName: r.serviceName,
          outcome: 'failed',
          error: publicError(error, 'RestoreNotRun'),
          target: r.targetName,
          instanceId: r.instanceId,
        });
        done++;
        continue;
      }
      let mark: CanaryMark | undefined;
      if (restored.backup !== undefined) {
        progress(context, {
          phase: 'recording',
          service: r.serviceName,
          target: r.targetName,
          backup: restored.backup.name,
          waitingFor: 'the mark on the backup blob',
        });
        const blobName = restored.backup.name;
        const verifiedAt =
          restored.timings.verifiedAt ??
          restored.timings.endedAt ??
          context.df.currentUtcDateTime.toISOString();
        try {
          mark = yield* callRetrying(
            context,
            { budget: { ...input.markRetry, used: 0 } },
            backup.markRestoreVerified,
            {
              blobName,
              verifiedAt,
              target: r.targetName,
              outcome: restored.outcome,
            },
          );
        } catch (error) {
          mark = { recorded: false, restoreVerified: false, error: publicError(error, 'MarkFailed') };
        }
      }
      services.push(
        canary.get().canaryServiceResult(r.serviceName, r.targetName, r.instanceId, restored, mark),
      );
      done++;
    }
    const overall = canary.get().canaryOutcome(services);
    return finish(
      context,
      EVENT,
      { ...overall, services },
      {
        restored: input.restores.length,
        skipped: input.skipped.length,
        restoreVerified: services.filter((s) => s.mark?.restoreVerified === true).length,
      },
    );
  },
});
