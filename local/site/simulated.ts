import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  DEFAULT_LYNC_MODULE,
  GUID_PATTERN,
  LYNC_BACKUP_MODULES,
  REPLICATION_MODES,
  REPLICATION_STATES,
  fqdnSchema,
  guidSchema,
  hostnameSchema,
  hypervReturnMeaning,
  jobProgress,
  lyncStatusState,
  sipAddressSchema,
  vmRefSchema,
  type CommandOutput,
  type JobState,
  type LyncBackupModule,
  type LyncExportStatus,
  type ReplicationMode,
  type ReplicationState,
} from '../../shared/contracts';
import { ExecutorError } from '../../agent/executors/types';

/**
 * An in-process simulated site that behaves as docs/reference/onprem-commands.md describes:
 * Lync pools whose Backup Service modules move NonSteadyState → SteadyState/FinalState over time
 * (or fail with ErrorState), Hyper-V Replica VMs with replication states, WMI return codes and
 * 4096 jobs completing over time (32775 on a repeated InitiateFailback), test failover VMs, and
 * Persistent Chat endpoints in a directory (create is NOT idempotent, like the AD object it makes).
 * Time comes from `now()`, so a virtual clock drives every transition.
 *
 * A failover cluster (issue 22 item 9, `hyperv.cluster`): each replica VM is a clustered role owned
 * by one node, and a node's Hyper-V has only the VMs whose role it owns (the role is the unit of
 * failover: the VM, its WMI objects and its jobs move together; Get-ClusterGroup names the owner).
 * The Hyper-V operations take the node a call reaches (`undefined`: the agent's own node,
 * `localNode`) and refuse a VM or job that node does not have with `NotFound`, as the fakes of the
 * Pester tests do (test/powershell/fakes/Modules/CimCmdlets). `moveVm` is the test hook that moves
 * a role; `moveDuring` moves it around the next InitiateFailback.
 */

const moduleEnum = z.enum(LYNC_BACKUP_MODULES);

/** The JSON description of a simulated site (what the local launcher reads). */
export const simulatedSiteSchema = z.strictObject({
  lync: z
    .strictObject({
      pools: z.array(
        z.strictObject({
          fqdn: fqdnSchema,
          /** The Front End pool it is paired with (Get-CsPoolBackupRelationship); pairing is mutual. */
          pairedWith: fqdnSchema.optional(),
          /**
           * How long after Invoke-CsBackupServiceSync the module still reports the state it had
           * before (the Backup Service picks the sync up on its next cycle): a steady reading in
           * that window is from before the sync and proves nothing (issue 22 item 3).
           */
          syncLagMs: z.number().int().min(0).default(5_000),
          /** How long a sync runs (NonSteadyState) once picked up, before the module is steady again. */
          syncDurationMs: z.number().int().min(0).default(30_000),
          /** Modules that end in ErrorState after a sync. */
          failModules: z.array(moduleEnum).default([]),
          /** Report FinalState (fully synced) instead of SteadyState when done. */
          finalState: z.boolean().default(false),
        }),
      ),
    })
    .default({ pools: [] }),
  hyperv: z
    .strictObject({
      vms: z.array(
        z.strictObject({
          name: vmRefSchema,
          id: guidSchema.optional(),
          replicationState: z.enum(REPLICATION_STATES).default('FailedOver'),
          /** Its Hyper-V Replica role: InitiateFailback and test failovers work on a `Replica`. */
          replicationMode: z.enum(REPLICATION_MODES).default('Replica'),
          /** Return codes InitiateFailback answers first, one per call (e.g. 32774 in use), before behaving normally. */
          returnCodes: z.array(z.number().int()).default([]),
          failbackDurationMs: z.number().int().min(0).default(20_000),
          /**
           * `initiate`: InitiateFailback returns 32768; `job`: the 4096 job ends in Exception;
           * `stopTestFailover`: Stop-VMFailover fails and the test VM stays.
           */
          fail: z.enum(['initiate', 'job', 'stopTestFailover']).optional(),
          /** Force this return code from InitiateFailback (e.g. 32769 Access Denied). */
          returnCode: z.number().int().optional(),
          /** On a cluster: the node that owns the VM's role (default: the first node). */
          ownerNode: hostnameSchema.optional(),
        }),
      ),
    })
    .extend({
      /** The failover cluster the VMs are roles of; absent: one standalone Hyper-V host. */
      cluster: z
        .strictObject({
          name: hostnameSchema,
          nodes: z.array(hostnameSchema).min(2, { error: 'a failover cluster has at least two nodes' }),
          /** The node the agent runs on (calls without a node go there); default: the first node. */
          localNode: hostnameSchema.optional(),
        })
        .optional(),
      /**
       * How long a finished job stays readable: Hyper-V removes it after CIM_Job.TimeBeforeRemoval
       * (5 minutes by default); reading it later answers NotFound.
       */
      jobRetentionMs: z.number().int().min(0).default(300_000),
    })
    .default({ vms: [], jobRetentionMs: 300_000 }),
  pchat: z
    .strictObject({
      pools: z.array(fqdnSchema).default([]),
      endpoints: z
        .array(
          z.strictObject({
            sipAddress: sipAddressSchema,
            poolFqdn: fqdnSchema,
            displayName: z.string().max(64).optional(),
          }),
        )
        .default([]),
      /** User objects and the SIP address each holds (e.g. the Group Chat 2010 well-known user). */
      users: z
        .array(z.strictObject({ identity: z.string().min(1).max(256), sipAddress: sipAddressSchema }))
        .default([]),
    })
    .default({ pools: [], endpoints: [], users: [] }),
});
export type SimulatedSiteDescription = z.input<typeof simulatedSiteSchema>;

interface ModuleState {
  syncStartedAt?: number;
  syncs: number;
}
interface VmState {
  name: string;
  id: string;
  state: ReplicationState;
  mode: ReplicationMode;
  returnCodes: number[];
  failbackDurationMs: number;
  fail: 'initiate' | 'job' | 'stopTestFailover' | undefined;
  returnCode: number | undefined;
  job?: string | undefined;
  testVm?: string | undefined;
  /** On a cluster: the node that owns the VM's role. */
  owner?: string | undefined;
  /** A move around the next InitiateFailback (test hook). */
  moveDuring?: { when: MoveMoment; to: string } | undefined;
}
interface JobRecord {
  vm: VmState;
  startedAt: number;
  durationMs: number;
  fail: boolean;
  /** On a cluster: the node whose Hyper-V ran it (only that node lists it). */
  node?: string | undefined;
}

/** When a scheduled move happens: around the next InitiateFailback, or right after the next state read. */
export type MoveMoment = 'beforeInitiateFailback' | 'afterInitiateFailback' | 'afterStateRead';

/** A Hyper-V operation and the node it reached (`undefined`: a standalone host). */
export interface WmiCall {
  readonly operation:
    'initiateFailback' | 'jobStatus' | 'replicationState' | 'startTestFailover' | 'stopTestFailover';
  readonly vm: string;
  readonly node: string | undefined;
  /** Set when the node did not have the VM (or the job) and refused the call. */
  readonly refused?: true;
}

/** The simulated site. Counters of state-changing calls let tests prove "executed exactly once". */
export class SimulatedSite {
  /** Calls that changed (or tried to change) state, by operation. */
  readonly calls = {
    backupSync: 0,
    initiateFailback: 0,
    startTestFailover: 0,
    stopTestFailover: 0,
    createEndpoint: 0,
  };
  private readonly pools = new Map<
    string,
    {
      pairedWith: string | undefined;
      syncLagMs: number;
      syncDurationMs: number;
      failModules: Set<string>;
      finalState: boolean;
      modules: Map<string, ModuleState>;
    }
  >();
  private readonly vms = new Map<string, VmState>();
  private readonly jobs = new Map<string, JobRecord>();
  private readonly cluster: { name: string; nodes: string[]; localNode: string } | undefined;
  /** Every Hyper-V operation with the node it reached, in order (tests: "called on the owner node"). */
  readonly wmiCalls: WmiCall[] = [];
  private readonly jobRetentionMs: number;
  private readonly pchatPools = new Set<string>();
  private readonly users = new Map<string, string>();
  private readonly endpoints = new Map<
    string,
    { sipAddress: string; poolFqdn: string; displayName?: string }
  >();

  constructor(
    description: SimulatedSiteDescription,
    private readonly now: () => Date,
  ) {
    const d = simulatedSiteSchema.parse(description);
    for (const p of d.lync.pools) {
      this.pools.set(p.fqdn.toLowerCase(), {
        pairedWith: p.pairedWith,
        syncLagMs: p.syncLagMs,
        syncDurationMs: p.syncDurationMs,
        failModules: new Set(p.failModules),
        finalState: p.finalState,
        modules: new Map(),
      });
    }
    this.jobRetentionMs = d.hyperv.jobRetentionMs;
    const c = d.hyperv.cluster;
    this.cluster =
      c === undefined ? undefined : { name: c.name, nodes: c.nodes, localNode: c.localNode ?? c.nodes[0]! };
    for (const v of d.hyperv.vms) {
      const vm: VmState = {
        name: v.name,
        id: (v.id ?? randomUUID()).toLowerCase(),
        state: v.replicationState,
        mode: v.replicationMode,
        returnCodes: [...v.returnCodes],
        failbackDurationMs: v.failbackDurationMs,
        fail: v.fail,
        returnCode: v.returnCode,
        owner:
          this.cluster === undefined ? undefined : this.clusterNode(v.ownerNode ?? this.cluster.nodes[0]!),
      };
      this.vms.set(v.name.toLowerCase(), vm);
      this.vms.set(vm.id, vm);
    }
    for (const p of d.pchat.pools) this.pchatPools.add(p.toLowerCase());
    for (const u of d.pchat.users) this.users.set(u.sipAddress.toLowerCase(), u.identity);
    for (const e of d.pchat.endpoints)
      this.endpoints.set(
        e.sipAddress.toLowerCase(),
        e.displayName === undefined
          ? { sipAddress: e.sipAddress, poolFqdn: e.poolFqdn }
          : { ...e, displayName: e.displayName },
      );
  }

  // ------------------------------------------------------------------ failure injection
  /** Makes a Lync module end in ErrorState (after its current sync). */
  failLyncModule(poolFqdn: string, module: LyncBackupModule = DEFAULT_LYNC_MODULE): void {
    this.pool(poolFqdn).failModules.add(module);
  }
  /** Makes a VM's next InitiateFailback fail (`initiate`), its job fail (`job`), or its Stop-VMFailover fail (`stopTestFailover`). */
  failVm(vm: string, mode: 'initiate' | 'job' | 'stopTestFailover'): void {
    this.vm(vm).fail = mode;
  }

  // ------------------------------------------------------------------ Lync
  private pool(fqdn: string) {
    const p = this.pools.get(fqdn.toLowerCase());
    if (p === undefined) throw new ExecutorError('NotFound', `pool ${fqdn} is not in this site's topology`);
    return p;
  }

  /** Get-CsPoolBackupRelationship: the pool's pair, named on either side. */
  backupRelationship(poolFqdn: string): CommandOutput<'lync.backupRelationship'> {
    const p = this.pool(poolFqdn);
    const key = poolFqdn.toLowerCase();
    const partner =
      p.pairedWith ??
      [...this.pools.entries()].find(([, other]) => other.pairedWith?.toLowerCase() === key)?.[0];
    return { poolFqdn, backupPoolFqdn: partner ?? null };
  }

  /**
   * Invoke-CsBackupServiceSync: incremental, harmless to repeat. Like the Backup Service, it
   * works only between paired pools: a pool without a pair fails (ExecutorError `NotPaired`).
   */
  backupSync(
    poolFqdn: string,
    module: LyncBackupModule,
    lostPoolFqdn: string,
  ): CommandOutput<'lync.backupSync'> {
    const p = this.pool(poolFqdn);
    this.calls.backupSync++;
    const pair = this.backupRelationship(poolFqdn).backupPoolFqdn;
    if (pair === null) throw new ExecutorError('NotPaired', `pool ${poolFqdn} has no backup pool`);
    const m = p.modules.get(module) ?? { syncs: 0 };
    m.syncStartedAt = this.now().getTime();
    m.syncs++;
    p.modules.set(module, m);
    return { poolFqdn, lostPoolFqdn, module };
  }

  /** Get-CsBackupServiceStatus for one module. */
  backupStatus(poolFqdn: string, module: LyncBackupModule): CommandOutput<'lync.backupStatus'> {
    const p = this.pool(poolFqdn);
    const m = p.modules.get(module);
    let exportStatus: LyncExportStatus = p.finalState ? 'FinalState' : 'SteadyState';
    if (m?.syncStartedAt !== undefined) {
      // Within the lag the module still reports the (steady) state from before this sync.
      const pickedUp = m.syncStartedAt + p.syncLagMs;
      const now = this.now().getTime();
      if (now >= pickedUp && now < pickedUp + p.syncDurationMs) exportStatus = 'NonSteadyState';
      else if (now >= pickedUp + p.syncDurationMs && p.failModules.has(module)) exportStatus = 'ErrorState';
    }
    return {
      poolFqdn,
      module,
      exportStatus,
      importStatus: 'NormalState',
      state: lyncStatusState(exportStatus, 'NormalState'),
    };
  }

  // ------------------------------------------------------------------ failover cluster
  /** A node of the cluster, in its configured spelling; throws for anything else. */
  private clusterNode(name: string): string {
    const node = this.cluster?.nodes.find((n) => n.toLowerCase() === name.toLowerCase());
    if (node === undefined)
      throw new ExecutorError('NotFound', `${name} is not a node of ${this.cluster?.name ?? 'any cluster'}`);
    return node;
  }

  /**
   * Get-ClusterGroup -Cluster <cluster> for the VM's role: its owner node. A cluster name that is
   * not this site's cluster (or a standalone site) cannot be reached; a VM that is no role is NotFound.
   */
  clusterOwner(cluster: string, ref: string): string {
    if (this.cluster === undefined || this.cluster.name.toLowerCase() !== cluster.toLowerCase())
      throw new ExecutorError(
        'ClusterUnreachable',
        `the cluster '${cluster}' could not be reached${this.cluster === undefined ? ': this site has no failover cluster' : ''}`,
      );
    const vm = this.vms.get(ref.toLowerCase());
    if (vm === undefined)
      throw new ExecutorError('NotFound', `VM ${ref} is not a clustered role of cluster ${cluster}`);
    return vm.owner!;
  }

  /** Test hook: the cluster moves the VM's role to `node` (a live migration, a node failure). */
  moveVm(ref: string, node: string): void {
    if (this.cluster === undefined) throw new TypeError('moveVm: only a clustered VM can move');
    this.vm(ref).owner = this.clusterNode(node);
  }

  /** Test hook: moves the VM's role to `to` around its next InitiateFailback or after its next state read. */
  moveDuring(ref: string, when: MoveMoment, to: string): void {
    if (this.cluster === undefined) throw new TypeError('moveDuring: only a clustered VM can move');
    this.vm(ref).moveDuring = { when, to: this.clusterNode(to) };
  }

  /** The node a call reaches: `node`, else the agent's own node; `undefined` on a standalone host. */
  private reached(node: string | undefined): string | undefined {
    if (this.cluster === undefined) {
      if (node !== undefined)
        throw new ExecutorError('HostUnreachable', `${node} cannot be reached: this site has no cluster`);
      return undefined;
    }
    return node === undefined ? this.cluster.localNode : this.clusterNode(node);
  }

  /** The VM as `node` sees it: a clustered VM is registered only on the node that owns its role. */
  private vmOn(ref: string, node: string | undefined, operation: WmiCall['operation']): VmState {
    const at = this.reached(node);
    const vm = this.vm(ref);
    if (at !== undefined && vm.owner !== at) {
      this.wmiCalls.push({ operation, vm: vm.name, node: at, refused: true });
      throw new ExecutorError('NotFound', `VM ${ref} is not on ${at}`);
    }
    this.wmiCalls.push({ operation, vm: vm.name, node: at });
    return vm;
  }

  private triggerMove(vm: VmState, when: MoveMoment): void {
    if (vm.moveDuring?.when !== when) return;
    vm.owner = vm.moveDuring.to;
    vm.moveDuring = undefined;
  }

  // ------------------------------------------------------------------ Hyper-V
  private vm(ref: string): VmState {
    const vm = this.vms.get(ref.toLowerCase());
    if (vm === undefined) throw new ExecutorError('NotFound', `VM ${ref} is not a replica on this host`);
    this.settle(vm);
    return vm;
  }

  /** Moves a VM whose failback job has finished to its final state. */
  private settle(vm: VmState): void {
    if (vm.job === undefined) return;
    const job = this.jobs.get(vm.job);
    if (job === undefined || this.now().getTime() < job.startedAt + job.durationMs) return;
    vm.state = job.fail ? 'Error' : 'FailbackCompleted';
    vm.job = undefined;
  }

  /** Msvm_ReplicationService.InitiateFailback, on `node` (a cluster node; default the agent's own). */
  initiateFailback(ref: string, node?: string): CommandOutput<'hyperv.initiateFailback'> {
    const moving = this.vms.get(ref.toLowerCase());
    if (moving !== undefined) this.triggerMove(moving, 'beforeInitiateFailback');
    const vm = this.vmOn(ref, node, 'initiateFailback');
    this.calls.initiateFailback++;
    try {
      return this.initiateOn(vm);
    } finally {
      this.triggerMove(vm, 'afterInitiateFailback');
    }
  }

  private initiateOn(vm: VmState): CommandOutput<'hyperv.initiateFailback'> {
    const code = (c: number, jobId?: string) => ({
      returnCode: c,
      meaning: hypervReturnMeaning(c),
      ...(jobId === undefined ? {} : { jobId }),
    });
    if (vm.returnCode !== undefined) return code(vm.returnCode);
    const next = vm.returnCodes.shift();
    if (next !== undefined) return code(next);
    if (vm.state !== 'FailedOver') return code(32775);
    if (vm.fail === 'initiate') return code(32768);
    const jobId = randomUUID();
    this.jobs.set(jobId, {
      vm,
      startedAt: this.now().getTime(),
      durationMs: vm.failbackDurationMs,
      fail: vm.fail === 'job',
      node: vm.owner,
    });
    vm.state = 'WaitingForFailback';
    vm.job = jobId;
    return code(4096, jobId);
  }

  /** CIM_ConcreteJob of a failback, read on `node` (a cluster node lists only the jobs it ran). */
  jobStatus(jobId: string, node?: string): CommandOutput<'hyperv.jobStatus'> {
    const at = this.reached(node);
    const job = this.jobs.get(jobId.toLowerCase());
    if (job === undefined || (at !== undefined && job.node !== at))
      throw new ExecutorError('NotFound', `job ${jobId} is not known on ${at ?? 'this host'}`);
    this.wmiCalls.push({ operation: 'jobStatus', vm: job.vm.name, node: at });
    this.settle(job.vm);
    const elapsed = this.now().getTime() - job.startedAt;
    if (elapsed >= job.durationMs + this.jobRetentionMs) {
      // Hyper-V has removed the finished job (CIM_Job.TimeBeforeRemoval).
      this.jobs.delete(jobId.toLowerCase());
      throw new ExecutorError('NotFound', `job ${jobId} is not known on this host`);
    }
    if (elapsed < job.durationMs) {
      const jobState: JobState = 'Running';
      return {
        jobId,
        jobState,
        state: jobProgress(jobState),
        percentComplete: job.durationMs === 0 ? 100 : Math.floor((elapsed / job.durationMs) * 100),
      };
    }
    if (job.fail)
      return {
        jobId,
        jobState: 'Exception',
        state: 'failed',
        percentComplete: 100,
        errorCode: 32768,
        errorDescription: 'Failback failed (simulated)',
      };
    return { jobId, jobState: 'Completed', state: 'done', percentComplete: 100, errorCode: 0 };
  }

  /** Get-VMReplication's State, read on `node`. */
  replicationState(ref: string, node?: string): CommandOutput<'hyperv.replicationState'> {
    const vm = this.vmOn(ref, node, 'replicationState');
    const read = { vm: ref, vmId: vm.id, replicationState: vm.state, replicationMode: vm.mode };
    this.triggerMove(vm, 'afterStateRead');
    return read;
  }

  /** Start-VMFailover -AsTest (TestReplicaSystem): a test VM, production untouched. */
  startTestFailover(ref: string, node?: string): CommandOutput<'hyperv.startTestFailover'> {
    const vm = this.vmOn(ref, node, 'startTestFailover');
    this.calls.startTestFailover++;
    if (vm.testVm !== undefined)
      throw new ExecutorError('TestVmExists', `a test VM already exists for ${vm.name}`);
    vm.testVm = `${vm.name} - Test`;
    return { vm: ref, testVmName: vm.testVm, created: true };
  }

  /** Stop-VMFailover: removes the test VM if any. */
  stopTestFailover(ref: string, node?: string): CommandOutput<'hyperv.stopTestFailover'> {
    const vm = this.vmOn(ref, node, 'stopTestFailover');
    this.calls.stopTestFailover++;
    if (vm.fail === 'stopTestFailover' && vm.testVm !== undefined)
      throw new ExecutorError(
        'CmdletFailed',
        `Stop-VMFailover failed: ${vm.testVm} could not be removed (simulated)`,
      );
    const removed = vm.testVm !== undefined;
    vm.testVm = undefined;
    return { vm: ref, removed };
  }

  /** Names of existing test VMs (tests). */
  testVms(): string[] {
    return [...new Set(this.vms.values())].flatMap((v) => (v.testVm === undefined ? [] : [v.testVm]));
  }

  // ------------------------------------------------------------------ Persistent Chat
  /** Get-CsPersistentChatEndpoint. */
  getEndpoint(sipAddress: string): CommandOutput<'pchat.getLegacyEndpoint'> {
    const e = this.endpoints.get(sipAddress.toLowerCase());
    if (e === undefined) return { sipAddress, exists: false };
    return {
      sipAddress,
      exists: true,
      poolFqdn: e.poolFqdn,
      ...(e.displayName === undefined ? {} : { displayName: e.displayName }),
    };
  }

  /** New-CsPersistentChatEndpoint: NOT idempotent (fails when the SIP address exists). */
  createEndpoint(
    sipAddress: string,
    poolFqdn: string,
    displayName?: string,
  ): CommandOutput<'pchat.ensureLegacyEndpoint'> {
    this.calls.createEndpoint++;
    if (!this.pchatPools.has(poolFqdn.toLowerCase()))
      throw new ExecutorError('NotFound', `Persistent Chat pool ${poolFqdn} is not in this site's topology`);
    if (this.endpoints.has(sipAddress.toLowerCase()))
      throw new ExecutorError('AlreadyExists', `an object with SIP address ${sipAddress} already exists`);
    // The procedure deletes the Group Chat 2010 user whose SIP address it reuses, first.
    const holder = this.users.get(sipAddress.toLowerCase());
    if (holder !== undefined)
      throw new ExecutorError(
        'SipAddressInUse',
        `${sipAddress} is still held by user ${holder}: the procedure turns Group Chat 2010 off, migrates its data and deletes that well-known user before creating the endpoint with its SIP address`,
      );
    // One legacy endpoint per pool (legacy clients reach one pool at a time).
    const other = [...this.endpoints.values()].find(
      (e) => e.poolFqdn.toLowerCase() === poolFqdn.toLowerCase(),
    );
    if (other !== undefined)
      throw new ExecutorError(
        'PoolHasEndpoint',
        `Persistent Chat pool ${poolFqdn} already has the legacy endpoint ${other.sipAddress}: the procedure allows one per pool`,
      );
    this.endpoints.set(
      sipAddress.toLowerCase(),
      displayName === undefined ? { sipAddress, poolFqdn } : { sipAddress, poolFqdn, displayName },
    );
    return { sipAddress, poolFqdn, created: true };
  }

  /** Whether `ref` is a GUID (tests). */
  static isGuid(ref: string): boolean {
    return GUID_PATTERN.test(ref);
  }
}
