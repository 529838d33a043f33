import type { AgentClock } from '../../clock';
import { executorFromTable, type Executor } from '../types';
import { SimulatedSite, type SimulatedSiteDescription } from './site';

export { SimulatedSite, simulatedSiteSchema, type SimulatedSiteDescription } from './site';

/** An executor acting on a simulated site (same interface as the PowerShell executor). */
export function createSimulatedExecutor(site: SimulatedSite): Executor {
  // Async functions so a thrown ExecutorError becomes a rejection, as with a real script.
  return executorFromTable('simulated', {
    'lync.backupSync': async (p) => site.backupSync(p.poolFqdn, p.module),
    'lync.backupStatus': async (p) => site.backupStatus(p.poolFqdn, p.module),
    'hyperv.initiateFailback': async (p) => site.initiateFailback(p.vm),
    'hyperv.jobStatus': async (p) => site.jobStatus(p.jobId),
    'hyperv.replicationState': async (p) => site.replicationState(p.vm),
    'hyperv.startTestFailover': async (p) => site.startTestFailover(p.vm),
    'hyperv.stopTestFailover': async (p) => site.stopTestFailover(p.vm),
    'pchat.ensureLegacyEndpoint': async (p) => site.createEndpoint(p.sipAddress, p.poolFqdn, p.displayName),
    'pchat.getLegacyEndpoint': async (p) => site.getEndpoint(p.sipAddress),
  });
}

/** Builds a simulated site from its JSON description on a clock (the local launcher's entry point). */
export function simulatedSiteFromJson(description: SimulatedSiteDescription | string, clock: Pick<AgentClock, 'now'>): SimulatedSite {
  const value = typeof description === 'string' ? (JSON.parse(description) as SimulatedSiteDescription) : description;
  return new SimulatedSite(value, () => clock.now());
}
