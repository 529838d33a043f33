import type { OrchestrationContext } from 'durable-functions';
import { publicError } from '../../shared/errors';
import type { Problem } from '../../shared/outcome';
import type { RestoreRunResult } from '../../shared/restore/run';
import type { StandbySyncResult, StandbySyncServiceResult } from '../../shared/restore/standbySync';
import { callRetrying, callSub, finish, lazy, orchestration, progress } from '../kit';
import { backup } from '../names/backup';
import { restore } from '../names/restore';
import { standby as names } from '../names/standby';

/**
 * The standby sync (issue 23): for each protected service with a standby, one at a time, checks
 * that it may sync now (`checkStandbySync`: sync on, the standby not active, no failover owning
 * it), restores the newest verified backup into the standby (`restoreApim` as a sub-orchestration,
 * failover mode, under a run id of the standby's key: the target's claim keeps one restore per
 * target), marks the backup restore-verified when the restore verified (as the canary does), and
 * records the standby's state (`recordStandbySync`). Started by `scheduledStandbySync` as
 * `standby-sync`.
 */

const sync = lazy(() => import('../../shared/restore/standbySync'));

const EVENT = 'lifeboat.standby.sync';

orchestration(names.standbySync, {
  uses: [sync],
  input: () => sync.get().standbySyncInputSchema,
  event: EVENT,
  // It overwrites standbys in failover mode: only Lifeboat starts it (its timer writes the ticket).
  lifeboatOnly: () => true,
  ended: (ending): StandbySyncResult => ({ ...ending, services: [] }),
  *run(context, input) {
    const s = sync.get();
    const now = () => context.df.currentUtcDateTime.toISOString();
    const retry = () => ({ budget: { ...input.markRetry, used: 0 } });
    const services: StandbySyncServiceResult[] = input.skipped.map((k) => ({
      serviceName: k.serviceName,
      outcome: 'refused' as const,
      error: { code: 'SyncOff', message: k.reason },
      skipped: true as const,
    }));
    let done = 0;
    for (const one of input.syncs) {
      const at = { service: one.serviceName, standby: one.standbyName, instanceId: one.instanceId };
      progress(context, {
        phase: 'checking',
        percent: Math.round((done++ / input.syncs.length) * 100),
        ...at,
        waitingFor: `whether ${one.standbyName} may be synced now`,
      });
      const check = yield* callRetrying(context, retry(), names.checkStandbySync, {
        serviceName: one.serviceName,
      });
      if (!check.sync) {
        services.push({
          serviceName: one.serviceName,
          outcome: 'refused',
          error: { code: 'SyncSkipped', message: check.reason },
          skipped: true,
          standby: one.standbyName,
        });
        continue;
      }
      progress(context, { phase: 'restoring', ...at, waitingFor: `the restore into ${one.standbyName}` });
      let restored: RestoreRunResult;
      try {
        restored = yield* callSub(context, restore.restoreApim, one.input, one.instanceId);
      } catch (error) {
        services.push({
          serviceName: one.serviceName,
          outcome: 'failed',
          error: publicError(error, 'RestoreNotRun'),
          standby: one.standbyName,
          instanceId: one.instanceId,
        });
        continue;
      }
      // A refusal changed nothing (no backup, the standby busy): the standby's state stands.
      if (restored.outcome === 'refused') {
        services.push(s.syncServiceResult(one, restored, false, undefined));
        continue;
      }
      const verified = restored.outcome === 'succeeded';
      const endedAt = restored.timings.verifiedAt ?? restored.timings.endedAt ?? now();
      let restoreVerified = false;
      if (restored.backup !== undefined) {
        progress(context, { phase: 'recording', ...at, waitingFor: 'the mark on the backup blob' });
        try {
          const mark = yield* callRetrying(context, retry(), backup.markRestoreVerified, {
            blobName: restored.backup.name,
            verifiedAt: endedAt,
            target: one.standbyName,
            outcome: restored.outcome,
          });
          restoreVerified = mark.restoreVerified;
        } catch (error) {
          log(context, 'mark', publicError(error, 'MarkFailed'));
        }
      }
      let recorded: Problem | undefined;
      try {
        yield* callRetrying(context, retry(), names.recordStandbySync, {
          serviceName: one.serviceName,
          sync: {
            instanceId: one.instanceId,
            syncRunId: context.df.instanceId,
            outcome: restored.outcome,
            verified,
            ...(restored.backup === undefined ? {} : { backup: restored.backup }),
            ...(restored.recoveryPointAgeMs === undefined
              ? {}
              : { backupAgeMs: Math.max(0, Math.round(restored.recoveryPointAgeMs)) }),
            at: endedAt,
            ...(restored.error === undefined
              ? {}
              : { error: { code: restored.error.code, message: restored.error.message } }),
          },
        });
      } catch (error) {
        recorded = publicError(error, 'RecordFailed');
      }
      services.push(s.syncServiceResult(one, restored, restoreVerified, recorded));
    }
    const overall = s.syncOutcome(services);
    return finish(
      context,
      EVENT,
      { ...overall, services },
      {
        synced: services.filter((r) => r.verified === true).length,
        skipped: services.filter((r) => r.skipped === true).length,
      },
    );
  },
});

function log(context: OrchestrationContext, what: string, p: Problem): void {
  if (!context.df.isReplaying)
    context.warn(JSON.stringify({ event: `${EVENT}.${what}`, code: p.code, message: p.message }));
}
