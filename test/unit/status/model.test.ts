import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/plans/report';
import {
  buildStatus,
  humanDuration,
  planStatus,
  serviceStatus,
  siteStatus,
  targetLight,
  worst,
  type ServiceInput,
  type SiteInput,
  type StatusInputs,
} from '../../../shared/status/model';
import type { SiteHeartbeats } from '../../../shared/status/heartbeats';
import { renderStatusHtml } from '../../../shared/status/html';

const NOW = new Date('2026-03-01T12:00:00Z');
const H = 3600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function service(over: Partial<ServiceInput> = {}): ServiceInput {
  return {
    serviceName: 'contoso',
    resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/contoso',
    rpoMs: 7 * H,
    catalog: {
      source: 'summary',
      asOf: ago(H),
      newestVerified: { name: 'contoso/contoso-20260301T110000Z.apimbackup', takenAt: ago(H), sizeBytes: 10 },
      newestRestoreVerified: { name: 'x', takenAt: ago(24 * H), at: ago(20 * H), target: 'contoso-drill' },
      lastRestoreVerification: {
        blobName: 'x',
        at: ago(20 * H).toISOString(),
        target: 'contoso-drill',
        outcome: 'succeeded',
      },
    },
    lastRun: {
      runtimeStatus: 'Completed',
      createdTime: ago(H),
      lastUpdatedTime: ago(H),
      output: { outcome: 'succeeded' },
    },
    restoreCanary: { enabled: true, maxAgeDays: 14 },
    targets: [
      {
        role: 'standby',
        name: 'contoso-standby',
        resourceId: '/x/standby',
        lastRestore: {
          runtimeStatus: 'Completed',
          lastUpdatedTime: ago(48 * H),
          output: { outcome: 'succeeded' },
        },
      },
      {
        role: 'drillTarget',
        name: 'contoso-drill',
        resourceId: '/x/drill',
        lastRestore: {
          runtimeStatus: 'Completed',
          lastUpdatedTime: ago(20 * H),
          output: { outcome: 'succeeded', backup: { name: 'x', takenAt: ago(24 * H).toISOString() } },
        },
      },
    ],
    ...over,
  };
}

type Loose<T> = { [K in keyof T]?: T[K] | undefined };

/** Drops the keys set to undefined (a way to say "without this field"). */
function defined<T>(value: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function heartbeats(over: Loose<SiteHeartbeats> = {}): SiteHeartbeats {
  return defined<SiteHeartbeats>({
    site: 'dc1',
    lastSeen: {
      at: ago(60_000).toISOString(),
      agentId: 'agent-dc1',
      version: '1.0.0',
      executor: 'powershell',
      rttMs: 800,
    },
    heartbeats: [
      {
        issuedAt: ago(61_000).toISOString(),
        answeredAt: ago(60_000).toISOString(),
        outcome: 'succeeded',
        rttMs: 800,
        agentId: 'agent-dc1',
        version: '1.0.0',
        executor: 'powershell',
        instanceId: 'heartbeat-dc1',
        commandIds: ['c1'],
      },
    ],
    updatedAt: ago(60_000).toISOString(),
    ...over,
  });
}

function site(over: Partial<SiteInput> = {}): SiteInput {
  return { site: 'dc1', heartbeats: heartbeats(), inFlight: 0, queueDepth: 0, poisonCount: null, ...over };
}

function inputs(over: Partial<StatusInputs> = {}): StatusInputs {
  return {
    now: NOW,
    baseUrl: 'https://lifeboat.example',
    services: [service()],
    sites: [site()],
    heartbeatIntervalMs: 5 * 60_000,
    plans: undefined,
    alerts: undefined,
    alertsShown: 10,
    resultsPoisonCount: null,
    problems: [],
    ...over,
  };
}

function run(over: Loose<RunSummary>): RunSummary {
  return defined<RunSummary>({
    runId: 'r1',
    plan: 'p',
    mode: 'drill',
    state: 'completed',
    outcome: 'succeeded',
    percent: 100,
    requestedAt: ago(24 * H).toISOString(),
    endedAt: ago(23 * H).toISOString(),
    rto: { targetMinutes: 60, achievedMinutes: 40, met: true },
    rpo: { targetMinutes: 360 },
    reportUri: '/api/runs/r1/report.html',
    ...over,
  });
}

describe('worst and humanDuration', () => {
  it('orders red over amber over unknown over green', () => {
    expect(worst('green', 'unknown')).toBe('unknown');
    expect(worst('unknown', 'amber')).toBe('amber');
    expect(worst('amber', 'red', 'green')).toBe('red');
    expect(worst()).toBe('green');
  });
  it('writes durations as a person reads them', () => {
    expect(humanDuration(45_000)).toBe('45 s');
    expect(humanDuration(12 * 60_000)).toBe('12 min');
    expect(humanDuration(5 * H + 3 * 60_000)).toBe('5 h 3 min');
    expect(humanDuration(50 * H)).toBe('2 d 2 h');
  });
});

describe('a protected service', () => {
  it('is green when the backup is within the RPO, the run succeeded, a restore was verified and the standby answered', () => {
    const s = serviceStatus(service(), NOW);
    expect(s.colour).toBe('green');
    expect(s.backup.reason).toBe('newest verified backup is 60 min old (RPO 7 h)');
  });

  it('is red with the age against the RPO when the newest verified backup is too old', () => {
    const s = serviceStatus(
      service({
        catalog: { source: 'summary', newestVerified: { name: 'b', takenAt: ago(8 * H), sizeBytes: 1 } },
      }),
      NOW,
    );
    expect(s.colour).toBe('red');
    expect(s.reason).toBe('newest verified backup is 8 h old, over the RPO of 7 h');
  });

  it('is red when there is no verified backup at all, and unknown when only the record is missing', () => {
    expect(
      serviceStatus(service({ catalog: { source: 'none' }, lastRun: undefined }), NOW).backup.colour,
    ).toBe('red');
    const noSummary = serviceStatus(
      service({ catalog: { source: 'none' }, lastRun: { runtimeStatus: 'Running' } }),
      NOW,
    );
    expect(noSummary.backup.colour).toBe('unknown');
    expect(noSummary.backup.reason).toMatch(/GET \/api\/backups\?fresh=true/);
  });

  it('says unknown, not green, when the backup the catalog names is gone', () => {
    const s = serviceStatus(service({ catalog: { ...service().catalog, newestGone: true } }), NOW);
    expect(s.backup.colour).toBe('unknown');
    expect(s.colour).toBe('unknown');
  });

  it('is amber when the last run failed while the backup is still within the RPO', () => {
    const s = serviceStatus(
      service({
        lastRun: {
          runtimeStatus: 'Completed',
          output: { outcome: 'failed', error: { code: 'ServiceLocked', message: 'locked' } },
        },
      }),
      NOW,
    );
    expect(s.colour).toBe('amber');
    expect(s.lastRun.reason).toBe('the last backup run ended failed: ServiceLocked: locked');
  });

  it('is red when the standby failed its last preflight, with the code', () => {
    const s = serviceStatus(
      service({
        targets: [
          {
            role: 'standby',
            name: 'contoso-standby',
            resourceId: '/x',
            lastRestore: {
              runtimeStatus: 'Completed',
              output: { outcome: 'refused', error: { code: 'TargetNotFound', message: 'gone' } },
            },
          },
        ],
      }),
      NOW,
    );
    expect(s.colour).toBe('red');
    expect(s.reason).toMatch(/standby contoso-standby failed its last preflight \(TargetNotFound/);
  });

  it('is amber without a standby, and a broken drill target never makes it red', () => {
    expect(serviceStatus(service({ targets: [] }), NOW).reason).toMatch(/no standby configured/);
    const drillDown = serviceStatus(
      service({
        targets: [
          service().targets[0]!,
          {
            role: 'drillTarget',
            name: 'contoso-drill',
            resourceId: '/d',
            lastRestore: {
              runtimeStatus: 'Completed',
              output: { outcome: 'failed', error: { code: 'X', message: 'y' } },
            },
          },
        ],
      }),
      NOW,
    );
    expect(drillDown.colour).toBe('amber');
  });

  it('flags a stale or failed restore verification amber', () => {
    const stale = serviceStatus(
      service({
        catalog: {
          source: 'summary',
          newestVerified: { name: 'b', takenAt: ago(H), sizeBytes: 1 },
          newestRestoreVerified: { name: 'x', takenAt: ago(20 * 24 * H), at: ago(19 * 24 * H), target: 'd' },
        },
        targets: [service().targets[0]!],
      }),
      NOW,
    );
    expect(stale.restoreVerification.colour).toBe('amber');
    expect(stale.restoreVerification.reason).toMatch(/taken 20 d ago \(limit 14 d\)/);
    const failed = serviceStatus(
      service({
        targets: [
          service().targets[0]!,
          {
            role: 'drillTarget',
            name: 'contoso-drill',
            resourceId: '/d',
            lastRestore: {
              runtimeStatus: 'Completed',
              output: {
                outcome: 'failed',
                backup: { name: 'y', takenAt: ago(2 * H).toISOString() },
                timings: { endedAt: ago(H).toISOString() },
              },
            },
          },
        ],
      }),
      NOW,
    );
    expect(failed.restoreVerification.reason).toBe(
      'the last restore verification into contoso-drill ended failed',
    );
  });
});

describe('target reachability from the last restore into it', () => {
  const t = (lastRestore: Parameters<typeof targetLight>[0]['lastRestore']) =>
    targetLight({ role: 'drillTarget', name: 'd', resourceId: '/d', lastRestore });
  it('is unknown when nothing ever restored into it, and says so', () => {
    expect(t(undefined)).toMatchObject({ colour: 'unknown', checkedAt: null });
    expect(t(undefined).reason).toMatch(/reachability is not recorded/);
  });
  it('passed when the run got past its preflight, even if backup selection refused', () => {
    expect(
      t({
        runtimeStatus: 'Completed',
        output: { outcome: 'refused', error: { code: 'NoVerifiedBackup', message: '' } },
      }).colour,
    ).toBe('green');
  });
  it('is unknown when the target rules refused before any preflight', () => {
    expect(
      t({
        runtimeStatus: 'Completed',
        output: { outcome: 'refused', error: { code: 'TargetNotAllowed', message: '' } },
      }).colour,
    ).toBe('unknown');
  });
});

describe('a site', () => {
  const I = 5 * 60_000;
  it('is green when the agent answered recently, with agent, version, executor and round trips', () => {
    const s = siteStatus(site(), NOW, I);
    expect(s).toMatchObject({
      colour: 'green',
      agentId: 'agent-dc1',
      version: '1.0.0',
      executor: 'powershell',
      rttMs: [800],
    });
  });
  it('is red when not heard from for more than two intervals', () => {
    const s = siteStatus(
      site({
        heartbeats: heartbeats({
          lastSeen: { ...heartbeats().lastSeen!, at: ago(11 * 60_000).toISOString() },
        }),
      }),
      NOW,
      I,
    );
    expect(s.colour).toBe('red');
    expect(s.reason).toBe('not heard from for 11 min (more than two heartbeat intervals, 10 min)');
  });
  it('is not red at exactly two intervals', () => {
    const s = siteStatus(
      site({
        heartbeats: heartbeats({
          lastSeen: { ...heartbeats().lastSeen!, at: ago(10 * 60_000).toISOString() },
        }),
      }),
      NOW,
      I,
    );
    expect(s.colour).not.toBe('red');
  });
  it('is red when the agent never answered, and unknown before the first heartbeat', () => {
    const never = siteStatus(
      site({
        heartbeats: {
          site: 'dc1',
          heartbeats: [
            { issuedAt: ago(60_000).toISOString(), outcome: 'timedOut', instanceId: 'h', commandIds: [] },
          ],
          updatedAt: NOW.toISOString(),
        },
      }),
      NOW,
      I,
    );
    expect(never.colour).toBe('red');
    expect(never.rttMs).toEqual([null]);
    expect(siteStatus(site({ heartbeats: undefined }), NOW, I).colour).toBe('unknown');
  });
  it('is amber with messages in its poison queue', () => {
    expect(siteStatus(site({ poisonCount: 2 }), NOW, I).reason).toBe(
      '2 message(s) in agent-dc1-commands-poison',
    );
  });
});

describe('a plan', () => {
  it('shows a failover waiting for approval with the route and a curl that carries no key', () => {
    const p = planStatus(
      {
        plan: 'p',
        summary: {
          plan: 'p',
          active: run({
            runId: 'f1',
            mode: 'failover',
            state: 'pendingApproval',
            outcome: undefined,
            requestedBy: 'bob',
          }),
          lastDrill: run({}),
          recent: [],
          updatedAt: NOW.toISOString(),
        },
      },
      'https://lifeboat.example/',
    );
    expect(p.colour).toBe('amber');
    expect(p.pendingApprovals[0]?.approve).toEqual({
      method: 'POST',
      path: '/api/failovers/f1/approve',
      curl: `curl -X POST "https://lifeboat.example/api/failovers/f1/approve" -H 'Authorization: Bearer <your sign-in token>'`,
    });
    expect(p.pendingApprovals[0]?.requestedBy).toBe('bob');
  });
  it('a pending approval says who asked, why, when it expires, with approve, reject and cancel side by side', () => {
    const deadline = new Date(NOW.getTime() + 3 * H).toISOString();
    const p = planStatus(
      {
        plan: 'p',
        summary: {
          plan: 'p',
          active: run({
            runId: 'f1',
            mode: 'failover',
            state: 'pendingApproval',
            outcome: undefined,
            requestedBy: 'bob',
            reason: 'gateway down',
            approvalDeadline: deadline,
          }),
          lastDrill: run({}),
          recent: [],
          updatedAt: NOW.toISOString(),
        },
      },
      'https://lifeboat.example',
    );
    expect(p.pendingApprovals[0]).toMatchObject({
      requestedBy: 'bob',
      reason: 'gateway down',
      expiresAt: deadline,
      reject: { method: 'POST', path: '/api/failovers/f1/reject' },
      cancel: { method: 'POST', path: '/api/runs/f1/cancel' },
    });
    expect(p.reason).toMatch(/expires/);
  });
  it('a failback waiting for approval is named a failback, in the reason and on the page', () => {
    const p = planStatus(
      {
        plan: 'p',
        summary: {
          plan: 'p',
          active: run({
            runId: 'p-failback-1',
            mode: 'failover',
            failback: true,
            state: 'pendingApproval',
            outcome: undefined,
            requestedBy: 'bob',
          }),
          lastDrill: run({}),
          recent: [],
          updatedAt: NOW.toISOString(),
        },
      },
      'https://lifeboat.example',
    );
    expect(p.pendingApprovals[0]).toMatchObject({ runId: 'p-failback-1', failback: true });
    expect(p.reason).toMatch(/^failback p-failback-1 is waiting for approval/m);
    expect(p.reason).not.toMatch(/failover p-failback-1/);
  });
  it('is red when the last drill failed, amber when it missed its RTO, with the achieved RTO', () => {
    const failed = planStatus(
      { plan: 'p', summary: { plan: 'p', lastDrill: run({ outcome: 'failed' }), recent: [], updatedAt: '' } },
      '',
    );
    expect(failed.colour).toBe('red');
    const slow = planStatus(
      {
        plan: 'p',
        summary: {
          plan: 'p',
          lastDrill: run({ rto: { targetMinutes: 60, achievedMinutes: 75, met: false } }),
          recent: [],
          updatedAt: '',
        },
      },
      '',
    );
    expect(slow.colour).toBe('amber');
    expect(slow.reason).toMatch(/missed its RTO, RTO 75 min of 60 min/);
  });
  it('a cancelled or preempted drill proves nothing: the last drill that ran to its end is used, and the cancel said', () => {
    const good = run({ runId: 'd1' });
    const cancelled = run({
      runId: 'd2',
      state: 'cancelled',
      outcome: 'partial',
      requestedAt: ago(2 * H).toISOString(),
      endedAt: ago(H).toISOString(),
      rto: { targetMinutes: 60 },
    });
    const p = planStatus(
      { plan: 'p', summary: { plan: 'p', lastDrill: cancelled, recent: [cancelled, good], updatedAt: '' } },
      '',
    );
    expect(p.colour).toBe('green');
    expect(p.lastDrill?.runId).toBe('d1');
    expect(p.reason).toMatch(/succeeded/);
    expect(p.lastDrill?.reason).toMatch(/a newer drill d2 .* was cancelled/);
    expect(p.reason).not.toMatch(/ended partial/);
    // Only cancelled drills: nothing proven, never red for it.
    const only = planStatus(
      { plan: 'p', summary: { plan: 'p', lastDrill: cancelled, recent: [cancelled], updatedAt: '' } },
      '',
    );
    expect(only.colour).toBe('amber');
    expect(only.reason).toMatch(/no drill of this plan has run to its end.*d2 .*was cancelled/);
  });
  it('lists runs in progress with their percent', () => {
    const p = planStatus(
      {
        plan: 'p',
        summary: {
          plan: 'p',
          active: run({
            runId: 'r2',
            state: 'running',
            outcome: undefined,
            percent: 40,
          }),
          lastDrill: run({}),
          recent: [],
          updatedAt: '',
        },
      },
      '',
    );
    expect(p.inProgress).toMatchObject([{ runId: 'r2', percent: 40 }]);
  });
  it('is red when the plan file is invalid, naming the rules it breaks', () => {
    const p = planStatus({ plan: 'p', summary: undefined, invalid: ['rtoMinutes: must be a number'] }, '');
    expect(p.colour).toBe('red');
    expect(p.reason).toMatch(/invalid.*refused: rtoMinutes: must be a number/);
  });
  it('is unknown with no run recorded', () => {
    expect(planStatus({ plan: 'p', summary: undefined }, '').colour).toBe('unknown');
  });
});

describe('the status page text (issue 21, item 12)', () => {
  it('shows times as the reports do with their age, decisions in words, and a badge on every item', () => {
    const r = buildStatus(
      inputs({
        plans: [
          {
            plan: 'p',
            summary: {
              plan: 'p',
              lastDrill: run({}),
              lastFailover: run({ runId: 'f9', mode: 'failover', endedAt: ago(2 * H).toISOString() }),
              recent: [],
              updatedAt: '',
            },
          },
        ],
        alerts: {
          updatedAt: NOW.toISOString(),
          decisions: [
            {
              alertId: 'a1',
              decidedAt: ago(H).toISOString(),
              decision: 'cancelledPending',
              reason: 'resolved before approval',
            },
          ],
        },
      }),
    );
    const html = renderStatusHtml(r);
    expect(html).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    expect(html).not.toMatch(/\dT\d{2}:\d{2}/);
    expect(html).toContain('2026-03-01 11:00 UTC (60 min ago)');
    expect(html).toContain('cancelled pending failover');
    expect(html).not.toContain('CANCELLEDPENDING');
    expect(html).toMatch(/<span class="badge green">[^<]*<\/span> <b>Last failover<\/b>/);
    expect(r.plans![0]!.lastDrill!.reason).toMatch(/\(2026-02-28 \d{2}:\d{2} UTC\)/);
  });
});

describe('can we recover now?', () => {
  it('after a real failover says production runs on the standby, from the run records', () => {
    const failover = run({ runId: 'f9', mode: 'failover', endedAt: ago(2 * H).toISOString() });
    const r = buildStatus(
      inputs({
        plans: [
          {
            plan: 'p',
            summary: { plan: 'p', lastDrill: run({}), lastFailover: failover, recent: [], updatedAt: '' },
          },
        ],
      }),
    );
    expect(r.canRecover.answer).toBe('yes');
    expect(r.canRecover.notes).toEqual([
      expect.stringMatching(/production runs on the standby since .* \(failover f9 of plan p\)/),
    ]);
    expect(r.canRecover.headline).toMatch(/standby/);
    const p = r.plans![0]!;
    expect(p.lastFailover).toMatchObject({ runId: 'f9', colour: 'green' });
    expect(renderStatusHtml(r)).toMatch(/production runs on the standby/);
  });

  it('after a failback that succeeded, production is home: no note (issue 23)', () => {
    const failover = run({ runId: 'f9', mode: 'failover', requestedAt: ago(5 * H).toISOString() });
    const failback = run({
      runId: 'b1',
      mode: 'failover',
      failback: true,
      requestedAt: ago(H).toISOString(),
      endedAt: ago(H / 2).toISOString(),
    });
    const status = (lastFailback: RunSummary) =>
      buildStatus(
        inputs({
          plans: [
            {
              plan: 'p',
              summary: {
                plan: 'p',
                lastDrill: run({}),
                lastFailover: failover,
                lastFailback,
                recent: [],
                updatedAt: '',
              },
            },
          ],
        }),
      );
    const home = status(failback);
    expect(home.canRecover.notes).toEqual([]);
    expect(home.plans![0]!.lastFailback).toMatchObject({ runId: 'b1' });
    // A failback that failed leaves production on the standby: the note stays.
    expect(status({ ...failback, outcome: 'failed' }).canRecover.notes).toEqual([
      expect.stringMatching(/production runs on the standby since .* \(failover f9 of plan p\)/),
    ]);
  });

  it('lists pending approvals first in the answer, each with its plan and deadline', () => {
    const deadline = new Date(NOW.getTime() + 3 * H).toISOString();
    const r = buildStatus(
      inputs({
        plans: [
          {
            plan: 'p',
            summary: {
              plan: 'p',
              active: run({
                runId: 'f1',
                mode: 'failover',
                state: 'pendingApproval',
                outcome: undefined,
                requestedBy: 'bob',
                approvalDeadline: deadline,
              }),
              lastDrill: run({}),
              recent: [],
              updatedAt: '',
            },
          },
        ],
      }),
    );
    expect(r.canRecover.pendingApprovals).toMatchObject([
      { plan: 'p', runId: 'f1', requestedBy: 'bob', expiresAt: deadline },
    ]);
    const html = renderStatusHtml(r);
    const box = html.slice(
      html.indexOf('id="answer"'),
      html.indexOf('</section>', html.indexOf('id="answer"')),
    );
    expect(box.indexOf('APPROVAL NEEDED')).toBeGreaterThan(-1);
    expect(box.indexOf('APPROVAL NEEDED')).toBeLessThan(box.indexOf('Can we recover now?'));
    expect(box).toMatch(/Asked by<\/dt><dd>bob/);
    expect(box).toMatch(/Expires<\/dt><dd>[^<]*in 3 h/);
    for (const path of ['/api/failovers/f1/approve', '/api/failovers/f1/reject', '/api/runs/f1/cancel'])
      expect(box).toContain(path);
  });

  it('yes when every item is green', () => {
    expect(buildStatus(inputs()).canRecover).toMatchObject({ answer: 'yes', colour: 'green', reasons: [] });
  });
  it('no when anything is red, naming it first', () => {
    const r = buildStatus(inputs({ sites: [site({ heartbeats: heartbeats({ lastSeen: undefined }) })] }));
    expect(r.canRecover.answer).toBe('no');
    expect(r.canRecover.reasons[0]).toMatchObject({ item: 'site dc1', colour: 'red' });
  });
  it('not known, never yes, when something is only unknown; and lists the unknowns', () => {
    const r = buildStatus(inputs({ sites: [site({ heartbeats: undefined })] }));
    expect(r.canRecover.answer).toBe('unknown');
    expect(r.unknowns).toEqual(['site dc1: no heartbeat recorded yet (the heartbeat runs every 5 min)']);
  });
  it('a read that failed is an unknown item', () => {
    const r = buildStatus(inputs({ problems: ['the heartbeats of dc1 could not be read (boom)'] }));
    expect(r.canRecover.answer).toBe('unknown');
  });
  it('leaves out the plans and alerts sections until their data exists', () => {
    const r = buildStatus(inputs());
    expect(r.plans).toBeUndefined();
    expect(r.alerts).toBeUndefined();
    const withAlerts = buildStatus(
      inputs({
        alerts: {
          decisions: [{ alertId: 'a', decision: 'ignored', reason: 'no plan', decidedAt: NOW.toISOString() }],
          updatedAt: '',
        },
      }),
    );
    expect(withAlerts.alerts).toMatchObject([{ alertId: 'a', colour: 'green', reason: 'no plan' }]);
  });
  it('says nothing is configured rather than yes', () => {
    expect(buildStatus(inputs({ services: [], sites: [] })).canRecover.answer).toBe('unknown');
  });
});
