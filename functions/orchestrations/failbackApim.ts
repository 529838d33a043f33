import { publicError } from '../../shared/errors';
import type { FailbackApimResult } from '../../shared/plans/failback';
import type { BackupRunResult } from '../../shared/backups/run';
import type { RestoreRunResult } from '../../shared/restore/run';
import { call, callSub, finish, lazy, orchestration, progress } from '../kit';
import { backup } from '../names/backup';
import { plans as names } from '../names/plans';
import { restore } from '../names/restore';

/**
 * A failback's API Management step (issue 23, "Come home"), the standby carrying production:
 *   1. a fresh backup of the standby (`backupOrchestration` under the standby's singleton backup
 *      id, so it never overlaps a scheduled backup of it: one running makes this step fail, saying so);
 *   2. that backup restored into the primary (a drill: into the drill target; the primary is never
 *      touched) by `restoreApim`, the pair reversed (shared/plans/failback.ts `reversedPair`), and
 *      verified against the manifest written beside the standby's backup;
 *   3. the round trip: the manifest of the backup the standby started from (the failover's)
 *      compared with the fresh one, i.e. what was written on the standby that the primary now has.
 * Sequencing only: decisions and verdicts are in shared/plans/failback.ts. Never throws.
 */

const failback = lazy(() => import('../../shared/plans/failback'));

const EVENT = 'lifeboat.plans.failbackApim';

orchestration(names.failbackApim, {
  uses: [failback],
  input: () => failback.get().failbackApimInputSchema,
  event: EVENT,
  // A failback changes production (the primary): only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.restore.mode === 'failover',
  ended: (ending): FailbackApimResult => ({ ...ending }),
  *run(context, input) {
    const f = failback.get();
    const base = { runId: input.runId, stepId: input.stepId, service: input.serviceName };
    const end = (result: FailbackApimResult) => finish(context, EVENT, result, base);
    const left = input.left === undefined ? {} : { left: input.left };

    progress(context, {
      phase: 'backingUp',
      percent: 5,
      waitingFor: `a fresh backup of ${input.standbyName}`,
    });
    let taken: BackupRunResult;
    try {
      taken = yield* callSub(
        context,
        backup.backupOrchestration,
        input.backup,
        f.standbyBackupInstanceId(input),
      );
    } catch (error) {
      const problem = publicError(error, 'BackupNotRun');
      return end({
        outcome: 'failed',
        error: {
          code: 'BackupNotRun',
          message: `the fresh backup of ${input.standbyName} did not run (is a backup of it running?): ${problem.message}`,
        },
        ...left,
      });
    }
    const fresh = {
      name: taken.blobName ?? '',
      ...(taken.takenAt === undefined ? {} : { takenAt: taken.takenAt }),
      outcome: taken.outcome,
    };
    if (taken.outcome !== 'succeeded' || taken.blobName === undefined)
      return end({
        outcome: taken.outcome === 'refused' ? 'refused' : 'failed',
        error: {
          code: 'FreshBackupFailed',
          message: `the fresh backup of ${input.standbyName} ended ${taken.outcome}${
            taken.error === undefined ? '' : `: ${taken.error.message}`
          }; nothing was restored into ${input.target}`,
        },
        ...(taken.blobName === undefined ? {} : { backup: fresh }),
        ...left,
      });

    progress(context, {
      phase: 'restoring',
      percent: 30,
      waitingFor: `${taken.blobName} restored into ${input.target}`,
    });
    let restored: RestoreRunResult;
    try {
      restored = yield* callSub(
        context,
        restore.restoreApim,
        { ...input.restore, backup: taken.blobName },
        input.restoreInstanceId,
      );
    } catch (error) {
      return end({ outcome: 'failed', error: publicError(error, 'RestoreNotRun'), backup: fresh, ...left });
    }
    const result: FailbackApimResult = {
      outcome: restored.outcome,
      ...(restored.error === undefined ? {} : { error: restored.error }),
      backup: fresh,
      restore: restored,
      ...left,
    };
    if (restored.outcome !== 'succeeded') return end(result);

    // The round trip: what the standby got while it carried production.
    const from = input.left?.backup;
    if (from === undefined)
      return end({
        ...result,
        differenceNote:
          'the backup the standby started from is not known (the failover report does not name one)',
      });
    progress(context, { phase: 'comparing', percent: 95, waitingFor: `${from} against ${taken.blobName}` });
    try {
      const compared = yield* call(context, names.compareRoundTrip, { from, to: taken.blobName });
      if ('missing' in compared) return end({ ...result, differenceNote: compared.missing });
      return end({
        ...result,
        difference: f.roundTripDifference(from, taken.blobName, compared.differences),
      });
    } catch (error) {
      return end({
        ...result,
        differenceNote: `the manifests could not be compared: ${publicError(error).message}`,
      });
    }
  },
});
