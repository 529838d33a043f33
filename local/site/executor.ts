import type { AgentClock } from '../../agent/clock';
import { ExecutorError, executorFromTable, type Executor } from '../../agent/executors/types';
import { SimulatedSite, type SimulatedSiteDescription } from './simulated';

/** Options of {@link createSimulatedExecutor}: the agent's site settings the scripts would get. */
export interface SimulatedExecutorOptions {
  /**
   * The agent's `hyperv.cluster.name`: the Hyper-V operations then do what the scripts do with
   * `-Cluster` (agent/scripts/LifeboatAgent.psm1, Connect-VmHost / Assert-VmStayed): ask the
   * cluster for the VM's owner node, call there, and report `VmMoved` (both nodes named) when the
   * role moved meanwhile. Absent: calls reach the agent's own host, as on a standalone host.
   */
  readonly cluster?: string | undefined;
}

/** An executor acting on a simulated site (same interface as the PowerShell executor). */
export function createSimulatedExecutor(
  site: SimulatedSite,
  options: SimulatedExecutorOptions = {},
): Executor {
  const { cluster } = options;
  // Each call runs on a later microtask, so a thrown ExecutorError becomes a rejection, as with a real script.
  const later =
    <P, R>(fn: (p: P) => R) =>
    (p: P): Promise<R> =>
      Promise.resolve().then(() => fn(p));

  const moved = (vm: string, from: string, to: string, during: string) =>
    new ExecutorError(
      'VmMoved',
      `VM ${vm} moved from node ${from} to node ${to} during ${during}: its state is now read on ${to} (the step re-reads the replication state there; sending it again targets the new owner)`,
    );
  /** Assert-VmStayed: asks the cluster again; a different owner is VmMoved. */
  const stayed = (c: string, vm: string, node: string, during: string) => {
    const now = site.clusterOwner(c, vm);
    if (now.toLowerCase() !== node.toLowerCase()) throw moved(vm, node, now, during);
  };
  /**
   * One VM operation on the node that owns the VM (on a cluster), with the owner re-read after it
   * (`checkAfter`) and after a failure (a node that lost the role no longer has the VM).
   */
  const onOwner = <R extends object>(
    vm: string,
    during: string,
    call: (node: string | undefined) => R,
    checkAfter = true,
  ): R | (R & { node: string }) => {
    if (cluster === undefined) return call(undefined);
    const node = site.clusterOwner(cluster, vm);
    let out: R;
    try {
      out = call(node);
    } catch (error) {
      stayed(cluster, vm, node, during);
      throw error;
    }
    if (checkAfter) stayed(cluster, vm, node, during);
    return { ...out, node };
  };

  return executorFromTable('simulated', {
    'lync.backupSync': later((p) => site.backupSync(p.poolFqdn, p.module, p.lostPoolFqdn)),
    'lync.backupRelationship': later((p) => site.backupRelationship(p.poolFqdn)),
    'lync.backupStatus': later((p) => site.backupStatus(p.poolFqdn, p.module)),
    'hyperv.initiateFailback': later((p) =>
      onOwner(p.vm, 'InitiateFailback', (node) => site.initiateFailback(p.vm, node)),
    ),
    'hyperv.jobStatus': later((p) => {
      // Get-HypervJob.ps1: the job is read on the node that ran it; the VM's role elsewhere is VmMoved.
      if (cluster === undefined || p.vm === undefined) return site.jobStatus(p.jobId);
      const vm = p.vm;
      const owner = site.clusterOwner(cluster, vm);
      if (p.node !== undefined && owner.toLowerCase() !== p.node.toLowerCase())
        throw new ExecutorError(
          'VmMoved',
          `VM ${vm} moved from node ${p.node} to node ${owner} while its failback job ${p.jobId} ran on ${p.node}: the job's outcome is read from the replication state on ${owner}`,
        );
      const at = p.node ?? owner;
      const during = `the read of job ${p.jobId}`;
      let out;
      try {
        out = site.jobStatus(p.jobId, at);
      } catch (error) {
        stayed(cluster, vm, at, during);
        throw error;
      }
      stayed(cluster, vm, at, during);
      return { ...out, node: at };
    }),
    'hyperv.replicationState': later((p) =>
      onOwner(p.vm, 'the replication state read', (node) => site.replicationState(p.vm, node)),
    ),
    'hyperv.startTestFailover': later((p) =>
      onOwner(p.vm, 'Start-VMFailover -AsTest', (node) => site.startTestFailover(p.vm, node), false),
    ),
    'hyperv.stopTestFailover': later((p) =>
      onOwner(p.vm, 'Stop-VMFailover', (node) => site.stopTestFailover(p.vm, node), false),
    ),
    'pchat.ensureLegacyEndpoint': later((p) => site.createEndpoint(p.sipAddress, p.poolFqdn, p.displayName)),
    'pchat.getLegacyEndpoint': later((p) => site.getEndpoint(p.sipAddress)),
  });
}

/** Builds a simulated site from its JSON description on a clock (the local launcher's entry point). */
export function simulatedSiteFromJson(
  description: SimulatedSiteDescription | string,
  clock: Pick<AgentClock, 'now'>,
): SimulatedSite {
  const value =
    typeof description === 'string' ? (JSON.parse(description) as SimulatedSiteDescription) : description;
  return new SimulatedSite(value, () => clock.now());
}
