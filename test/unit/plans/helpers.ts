import { planSchema, type Plan, type PlanInput } from '../../../shared/plans/plan';
import { planRunInputSchema, type ParsedPlanRunInput } from '../../../shared/plans/run';

/** Shared builders for the plan unit tests. */

export const T0 = Date.parse('2026-11-29T09:00:00Z');
/** The ISO time `minutes` after T0. */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
export const when = (minutes: number) => new Date(T0 + minutes * 60_000);

/** The sample plan's shape: APIM, then VMs and Lync in parallel, then Persistent Chat. */
export function samplePlan(over: Partial<PlanInput> = {}): Plan {
  return planSchema.parse({
    name: 'dr-all',
    description: 'test plan',
    rtoMinutes: 240,
    rpoMinutes: 1440,
    approval: 'required',
    groups: [
      {
        name: 'API Management',
        steps: [
          { id: 'apim', kind: 'apim.restore', timeoutMinutes: 120, params: { service: 'contoso-apim' } },
        ],
      },
      {
        name: 'On-premises',
        steps: [
          {
            id: 'vms',
            kind: 'hyperv.failback',
            timeoutMinutes: 180,
            params: { site: 'dc1', vms: ['app-01', 'App-02'], concurrency: 2 },
          },
          {
            id: 'lync',
            kind: 'lync.conferenceRestore',
            timeoutMinutes: 120,
            onFailure: 'continue',
            params: { site: 'dc1', poolFqdn: 'pool2.contoso.local', lostPoolFqdn: 'pool1.contoso.local' },
          },
        ],
      },
      {
        name: 'Persistent Chat',
        steps: [
          {
            id: 'pchat',
            kind: 'pchat.legacyEndpoint',
            timeoutMinutes: 30,
            onFailure: 'continue',
            params: {
              site: 'dc1',
              sipAddress: 'sip:persistentchat@contoso.local',
              poolFqdn: 'pchat.contoso.local',
            },
          },
        ],
      },
    ],
    ...over,
  });
}

export function runInput(over: Partial<ParsedPlanRunInput> = {}): ParsedPlanRunInput {
  return planRunInputSchema.parse({
    runId: 'dr-all-drill-20261129T090000Z-abc',
    mode: 'drill',
    plan: samplePlan(),
    planSha256: 'a'.repeat(64),
    requestedBy: 'alice',
    requestedAt: at(0),
    approvalTimeoutMs: 30 * 60_000,
    preemptWaitMs: 15 * 60_000,
    ...over,
  });
}
