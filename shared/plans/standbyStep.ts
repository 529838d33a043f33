import type { StandbyUse } from '../standby/decide';
import type { StepWork } from './steps';

/**
 * A failover's `apim.restore` step and the standby sync (issue 23), pure: when the standby is
 * already current (shared/standby/decide.ts `decideStandbyUse`) the step is done without a
 * restore, and its verdict carries the evidence (the backup the standby holds, when it was synced
 * and verified, its age against the plan's RPO); otherwise it restores as before, and the report
 * says why the standby was not used.
 */
export function withStandby(work: Extract<StepWork, { kind: 'restore' }>, use: StandbyUse): StepWork {
  if (use.use === 'restore') return { ...work, standbyNotUsed: use.reason };
  return {
    kind: 'standbyCurrent',
    verdict: {
      outcome: 'succeeded',
      summary: use.summary,
      evidence: {
        target: work.target,
        role: 'standby',
        standbyAlreadyCurrent: true,
        ...use.evidence,
      },
      recoveryPointAt: use.evidence.backupTakenAt,
    },
  };
}
