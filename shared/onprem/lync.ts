import type { CommandOutput } from '../contracts';
import type { Problem } from '../outcome';
// The pairing rules live with the agent protocol: the agent applies them too (layers: the agent
// imports only the foundation).
export { isPairedWith, notPaired } from '../contracts/lync';

/**
 * Pure decisions of the Lync / Skype for Business conference restore (onprem-commands.md, "Lync
 * Backup Service"): whether the pools are paired, and what a Backup Service status says about the
 * sync this flow started.
 */

/** What the flow has seen since its sync answered. */
export interface LyncSyncEvidence {
  /** A reading after the sync showed the module moving (NonSteadyState / NotInitialized). */
  readonly moved: boolean;
  /**
   * How long after the sync answered this reading was taken, and the Backup Service's cycle (its
   * SyncInterval, 2 minutes by default): a reading a full cycle after the sync follows it even
   * when the sync was too short for any reading to see it running.
   */
  readonly sinceSyncMs?: number;
  readonly cycleMs?: number;
}

/** Whether the reading is known to follow the sync: it saw the module move, or a full cycle has passed. */
function followsSync(e: LyncSyncEvidence): boolean {
  return e.moved || (e.sinceSyncMs !== undefined && e.cycleMs !== undefined && e.sinceSyncMs >= e.cycleMs);
}

/**
 * What one status reading, taken after this flow's sync answered, says. "Done" is the procedure's
 * "Steady State" (SteadyState export, NormalState import) AFTER the sync: a steady reading counts
 * only once a reading since the sync showed the module moving, because a steady state read before
 * the Backup Service picked the sync up is the state from before the sync and proves nothing. A
 * steady reading taken a full Backup Service cycle (SyncInterval) after the sync counts too: by
 * then the service has picked the sync up, so a sync too short to be seen running still finishes.
 * `acceptFinalState` (off by default; the procedure does not name FinalState, while the status
 * blog of the product team calls it "fully synced") lets an operator count FinalState too, with
 * the same evidence. ErrorState on either side fails at once.
 */
export function lyncStatusVerdict(
  out: CommandOutput<'lync.backupStatus'>,
  where: { poolFqdn: string; module: string },
  evidence: LyncSyncEvidence,
  options: { acceptFinalState?: boolean | undefined } = {},
):
  | { verdict: 'inProgress'; evidence: LyncSyncEvidence; waiting: string }
  | { verdict: 'done'; evidence: LyncSyncEvidence }
  | { verdict: 'failed'; evidence: LyncSyncEvidence; error: Problem } {
  if (out.exportStatus === 'ErrorState' || out.importStatus === 'ErrorState')
    return {
      verdict: 'failed',
      evidence,
      error: {
        code: 'ErrorState',
        message: `${where.module} on ${where.poolFqdn}: export ${out.exportStatus}, import ${out.importStatus}`,
      },
    };
  if (out.exportStatus === 'NonSteadyState' || out.exportStatus === 'NotInitialized')
    return { verdict: 'inProgress', evidence: { ...evidence, moved: true }, waiting: 'the sync is running' };
  const steady =
    out.importStatus === 'NormalState' &&
    (out.exportStatus === 'SteadyState' ||
      (options.acceptFinalState === true && out.exportStatus === 'FinalState'));
  if (steady && followsSync(evidence)) return { verdict: 'done', evidence };
  return {
    verdict: 'inProgress',
    evidence,
    waiting: steady
      ? `${out.exportStatus} not yet shown to follow the sync (no reading since the sync has shown it running, and the Backup Service's cycle has not passed)`
      : `${out.exportStatus}/${out.importStatus} is not the procedure's Steady State`,
  };
}
