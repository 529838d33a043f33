import type { RunReport, StepReport } from '../../shared/plans/report';
import { renderReportHtml } from '../../shared/plans/reportHtml';
import { benchSize, msSince, type Figure, type Measurement } from './figures';

/**
 * `report.render_ms` (issue 10, target under 200 ms): the report JSON of a 200-step drill (20
 * groups of 10 steps of all four kinds, each with evidence; the Hyper-V steps list 20 VMs and
 * register one cleanup per VM) parsed and rendered to HTML, real time. The median of RUNS runs after
 * WARMUP warm-up runs (the first render pays for compiling the renderer); `report.render_first_ms`
 * is that first, cold render, and `report.html_kb` the page's size.
 */
const GROUPS = benchSize(20, 2);
const STEPS_PER_GROUP = benchSize(10, 2);
const VMS_PER_STEP = benchSize(20, 2);
const WARMUP = benchSize(3, 1);
const RUNS = benchSize(15, 1);

const T0 = Date.parse('2026-11-29T09:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function benchReport(): RunReport {
  const groups: RunReport['groups'] = [];
  const cleanup: RunReport['cleanup'] = [];
  let clock = 0;
  for (let g = 0; g < GROUPS; g++) {
    const steps: StepReport[] = [];
    let longest = 0;
    for (let s = 0; s < STEPS_PER_GROUP; s++) {
      const id = `g${g}-s${s}`;
      const durationMs = (2 + ((g * 7 + s * 13) % 28)) * 60_000;
      longest = Math.max(longest, durationMs);
      const base = {
        id,
        group: g,
        variant: 'drill' as const,
        onFailure: s % 3 === 0 ? ('continue' as const) : ('stop' as const),
        timeoutMinutes: 60,
        status: 'ended' as const,
        outcome: s === 7 ? ('failed' as const) : ('succeeded' as const),
        ...(s === 7
          ? { error: { code: 'BackupServiceUnreachable', message: `pool${g}.contoso.local did not answer` } }
          : {}),
        startedAt: at(clock),
        endedAt: at(clock + durationMs),
        durationMs,
      };
      switch (s % 4) {
        case 0:
          steps.push({
            ...base,
            kind: 'apim.restore',
            target: `apim-${id} → apim-${id}-drill`,
            summary: `Restored the backup of 02:08 UTC into apim-${id}-drill; 14 APIs, 5 products match.`,
            evidence: {
              backup: {
                blob: `apim-${id}/2026-11-29T02-08-00Z.apimbackup`,
                takenAt: '2026-11-29T02:08:00Z',
                ageMinutes: 412,
              },
              verification: { apis: 14, products: 5, namedValues: 22, differences: [] },
              gatewaySmoke: {
                url: `https://apim-${id}-drill.azure-api.net/status-0123456789abcdef`,
                status: 200,
              },
            },
          });
          break;
        case 1:
          steps.push({
            ...base,
            kind: 'lync.conferenceRestore',
            target: `dc1: pool${g}.contoso.local`,
            summary: 'Backup Service status read: steady state.',
            evidence: {
              poolFqdn: `pool${g}.contoso.local`,
              status: 'SteadyState',
              module: 'SkypeForBusiness',
            },
          });
          break;
        case 2: {
          const vms = Array.from({ length: VMS_PER_STEP }, (_, v) => `app-${g}-${s}-${v}`);
          for (const vm of vms)
            cleanup.push({
              id: `hyperv-test-vms:${vm}`,
              stepId: id,
              description: `test VM ${vm} - Test at dc1`,
              action: { site: 'dc1', vm },
              registeredAt: at(clock),
              status: 'ended',
              outcome: 'succeeded',
              endedAt: at(clock + durationMs),
              detail: 'removed',
            });
          steps.push({
            ...base,
            kind: 'hyperv.failback',
            target: `dc1: ${vms.join(', ')}`,
            summary: `Test failover of ${VMS_PER_STEP} VMs; every test VM ran and answered its heartbeat.`,
            evidence: {
              recoveryPoint: 'latest',
              vms: vms.map((name) => ({
                name,
                replicationState: 'Replicating',
                testVm: `${name} - Test`,
                testVmState: 'Running',
                heartbeat: 'OK',
              })),
            },
          });
          break;
        }
        default:
          steps.push({
            ...base,
            kind: 'pchat.legacyEndpoint',
            target: `dc1: sip:pchat-${id}@contoso.com`,
            summary: 'The legacy endpoint exists and points at the pool.',
            evidence: { exists: true, sipAddress: `sip:pchat-${id}@contoso.com`, pointsAtPool: true },
          });
      }
    }
    for (const step of steps) step.critical = step.durationMs === longest;
    clock += longest + 5_000;
    groups.push({ name: `Group ${g}`, steps });
  }
  return {
    schemaVersion: 1,
    runId: 'bench-drill-20261129T090000Z-0001',
    plan: {
      name: 'bench',
      description: 'A 200-step plan for the report rendering benchmark.',
      rtoMinutes: 600,
      rpoMinutes: 1440,
      approval: 'required',
      sha256: 'ab'.repeat(32),
    },
    mode: 'drill',
    state: 'completed',
    outcome: 'partial',
    requestedBy: 'bench@contoso.com',
    requestedAt: at(0),
    startedAt: at(0),
    endedAt: at(clock),
    rtoStartAt: at(0),
    approvals: [],
    alerts: [],
    percent: 100,
    groups,
    cleanup: cleanup.reverse(),
    rto: { targetMinutes: 600, achievedMinutes: Math.round(clock / 60_000), met: clock / 60_000 <= 600 },
    rpo: { targetMinutes: 1440, achievedMinutes: 412, met: true, source: 'backup apim-g0-s0' },
    changes: {
      previousRunId: 'bench-drill-20261122T090000Z-0001',
      added: ['g19-s9'],
      removed: ['g19-s10'],
      outcomeChanged: Array.from({ length: GROUPS }, (_, g) => ({
        id: `g${g}-s7`,
        from: 'succeeded',
        to: 'failed',
      })),
    },
    writtenAt: at(clock + 1000),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const figures: Figure[] = [
  {
    names: ['report.render_ms', 'report.render_first_ms', 'report.html_kb'],
    run(): Promise<Measurement[]> {
      const json = JSON.stringify(benchReport());
      const render = () => renderReportHtml(JSON.parse(json) as RunReport);
      let start = performance.now();
      const html = render();
      const first = msSince(start);
      const steps = (html.match(/<article class="step/g) ?? []).length;
      if (steps !== GROUPS * STEPS_PER_GROUP)
        throw new Error(`rendered ${steps} steps, expected ${GROUPS * STEPS_PER_GROUP}`);
      for (let i = 1; i < WARMUP; i++) render();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        start = performance.now();
        render();
        times.push(msSince(start));
      }
      return Promise.resolve([
        { name: 'report.render_ms', value: median(times), unit: 'ms' },
        { name: 'report.render_first_ms', value: first, unit: 'ms' },
        { name: 'report.html_kb', value: Math.round(Buffer.byteLength(html) / 1024), unit: 'KiB' },
      ]);
    },
  },
];
