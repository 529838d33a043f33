import type { AgentClock } from '../../agent/clock';
import { executorFromTable, type Executor } from '../../agent/executors/types';
import { SimulatedSite, type SimulatedSiteDescription } from './simulated';

/** An executor acting on a simulated site (same interface as the PowerShell executor). */
export function createSimulatedExecutor(site: SimulatedSite): Executor {
  // Each call runs on a later microtask, so a thrown ExecutorError becomes a rejection, as with a real script.
  const later =
    <P, R>(fn: (p: P) => R) =>
    (p: P): Promise<R> =>
      Promise.resolve().then(() => fn(p));
  return executorFromTable('simulated', {
    'lync.backupSync': later((p) => site.backupSync(p.poolFqdn, p.module, p.lostPoolFqdn)),
    'lync.backupRelationship': later((p) => site.backupRelationship(p.poolFqdn)),
    'lync.backupStatus': later((p) => site.backupStatus(p.poolFqdn, p.module)),
    'hyperv.initiateFailback': later((p) => site.initiateFailback(p.vm)),
    'hyperv.jobStatus': later((p) => site.jobStatus(p.jobId)),
    'hyperv.replicationState': later((p) => site.replicationState(p.vm)),
    'hyperv.startTestFailover': later((p) => site.startTestFailover(p.vm)),
    'hyperv.stopTestFailover': later((p) => site.stopTestFailover(p.vm)),
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
