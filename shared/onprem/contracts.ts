import { z } from 'zod';
import {
  DEFAULT_LYNC_MODULE,
  GUID_PATTERN,
  fqdnSchema,
  LYNC_BACKUP_MODULES,
  recoveryPointSchema,
  siteSchema,
  vmRefSchema,
} from '../contracts';
import type { Outcome, Problem } from '../outcome';
import { modeSchema, relayTimeoutsSchema } from '../relay/contracts';
import { notifySchema } from '../steps/flows';

/**
 * The on-premises flows' durable-boundary shapes (Lync/Skype for Business conference restore,
 * Hyper-V Replica failback), built on the relay's signed transport (shared/relay). Every result
 * speaks the one outcome vocabulary (shared/outcome).
 */

/** Options shared by the long-running flows: poll interval, overall timeout, per-command timeouts. */
const pollingOptions = {
  pollMs: z
    .number()
    .int()
    .min(1000, { error: 'pollMs must be at least 1000 (1 s)' })
    .max(24 * 3600_000, { error: 'pollMs must be at most 86400000 (24 h)' })
    .optional(),
  timeoutMs: z
    .number()
    .int()
    .min(1000, { error: 'timeoutMs must be at least 1000 (1 s)' })
    .max(7 * 24 * 3600_000, { error: 'timeoutMs must be at most 604800000 (7 days)' })
    .optional(),
  timeouts: relayTimeoutsSchema.optional(),
};

/** Input of `lyncConferenceRestore`. */
export const lyncConferenceRestoreInputSchema = z
  .strictObject({
    site: siteSchema,
    /** The pool that still HOLDS the conference content: the sync runs here. */
    poolFqdn: fqdnSchema,
    /** The pool that lost it, paired with `poolFqdn` (Get-CsPoolBackupRelationship). */
    lostPoolFqdn: fqdnSchema,
    module: z.enum(LYNC_BACKUP_MODULES).default(DEFAULT_LYNC_MODULE),
    mode: modeSchema,
    /** Count FinalState as done too (the procedure names only Steady State): see shared/onprem/lync.ts. */
    acceptFinalState: z.boolean().optional(),
    /**
     * The Backup Service's cycle (Set-CsBackupServiceConfiguration -SyncInterval, 2 minutes by
     * default): a steady reading this long after the sync counts as following it.
     */
    backupCycleMs: z
      .number()
      .int()
      .min(1000)
      .max(24 * 3600_000)
      .optional(),
    ...pollingOptions,
  })
  .refine((i) => i.poolFqdn.toLowerCase() !== i.lostPoolFqdn.toLowerCase(), {
    path: ['lostPoolFqdn'],
    error:
      'must differ from poolFqdn: the sync runs on the pool that still holds the data, never on the pool that lost it',
  });
export type LyncConferenceRestoreInput = z.input<typeof lyncConferenceRestoreInputSchema>;

/** Result of `lyncConferenceRestore`. */
export interface LyncConferenceRestoreResult {
  readonly outcome: Exclude<Outcome, 'partial'>;
  readonly site: string;
  readonly poolFqdn: string;
  readonly lostPoolFqdn?: string;
  readonly module: string;
  readonly polls: number;
  /** Whether a reading since the sync showed the module moving (the evidence "done" needs). */
  readonly movedAfterSync?: boolean;
  readonly lastStatus?: { readonly exportStatus: string; readonly importStatus: string };
  readonly error?: Problem;
}

/**
 * What a Hyper-V step does per VM: `failback` (InitiateFailback, a failover's variant: refused by
 * the agent in a drill) or `testFailover` (the drill variant: Start-VMFailover -AsTest, read the
 * replication state, then always Stop-VMFailover; production and replication untouched).
 */
export const HYPERV_ACTIONS = ['failback', 'testFailover'] as const;
export type HypervAction = (typeof HYPERV_ACTIONS)[number];
const actionSchema = z
  .enum(HYPERV_ACTIONS, { error: 'action must be "failback" or "testFailover"' })
  .default('failback');

/** Input of `vmFailback`. */
export const vmFailbackInputSchema = z.strictObject({
  site: siteSchema,
  vms: z
    .array(vmRefSchema)
    .min(1, { error: 'vms must list at least one VM' })
    .max(500, { error: 'vms must list at most 500 VMs' })
    // One VM named once by name and once by id would be failed back twice at once, and a list
    // cannot tell which names and ids are the same VM without asking the site: refuse the mix.
    .refine((vms) => vms.every((v) => GUID_PATTERN.test(v)) || !vms.some((v) => GUID_PATTERN.test(v)), {
      error:
        'vms must name every VM by name or every VM by id (GUID), not both: a VM named both ways would be failed back twice',
    }),
  recoveryPointId: recoveryPointSchema.optional(),
  mode: modeSchema,
  action: actionSchema,
  concurrency: z.number().int().min(1).max(50).optional(),
  ...pollingOptions,
});
export type VmFailbackInput = z.input<typeof vmFailbackInputSchema>;

/** Input of the per-VM `failbackVm` sub-orchestration (settings resolved by the parent). */
export const failbackVmInputSchema = z.strictObject({
  site: siteSchema,
  vm: vmRefSchema,
  recoveryPointId: recoveryPointSchema.optional(),
  mode: modeSchema,
  action: actionSchema,
  pollMs: z.number().int().min(1000),
  timeoutMs: z.number().int().min(1000),
  timeouts: relayTimeoutsSchema,
  /** Where to report the outcome (set by vmFailback's sliding window). */
  notify: notifySchema.optional(),
});
export type FailbackVmInput = z.input<typeof failbackVmInputSchema>;

/**
 * The test VM of a test failover: its name, whether this run created it (or found one its start
 * left behind), and whether Stop-VMFailover removed it (`null`: unknown, the stop did not answer
 * or failed). Anything but `removed: true` after `created: true` is a cleanup failure.
 */
export interface TestVmEvidence {
  readonly name: string;
  readonly created: boolean;
  readonly removed: boolean | null;
}

/**
 * One VM's outcome (`alreadyDone: true` when it was failed back before this run). A test failover
 * (`action: 'testFailover'`) carries `testVm` and the replication state read while the test VM
 * existed (evidence that replication was untouched).
 */
export interface VmFailbackOutcome {
  readonly vm: string;
  readonly outcome: VmOutcome;
  readonly action?: HypervAction;
  readonly alreadyDone?: true;
  readonly replicationState?: string;
  readonly testVm?: TestVmEvidence;
  readonly jobId?: string;
  readonly returnCode?: number | null;
  readonly polls: number;
  readonly error?: Problem;
  /**
   * On a failover cluster: the VM's role moved to another node during the failback (the agent's
   * `VmMoved` answer, naming both nodes; the last one when it moved more than once). The flow went
   * on on the new owner; this says so in the report.
   */
  readonly vmMoved?: Problem;
}

/** What one VM can end as. */
export type VmOutcome = Exclude<Outcome, 'partial'>;

/** Result of `vmFailback`: a partial failure is a result (`partial`), not a crash. */
export interface VmFailbackResult {
  readonly outcome: Outcome;
  readonly site: string;
  readonly mode: 'drill' | 'failover';
  readonly action?: HypervAction;
  readonly counts: Readonly<Record<VmOutcome, number>>;
  readonly vms: readonly VmFailbackOutcome[];
  readonly error?: Problem;
}
