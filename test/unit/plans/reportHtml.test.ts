import { describe, expect, it } from 'vitest';
import type { CleanupReport, RunReport, StepReport } from '../../../shared/plans/report';
import { duration, failedCleanups, renderReportHtml } from '../../../shared/plans/reportHtml';

const at = (minutes: number) => new Date(Date.parse('2026-11-29T09:00:00Z') + minutes * 60_000).toISOString();

function step(over: Partial<StepReport> & Pick<StepReport, 'id'>): StepReport {
  return {
    kind: 'apim.restore',
    group: 0,
    variant: 'drill',
    onFailure: 'stop',
    timeoutMinutes: 60,
    target: 'contoso-apim → contoso-apim-drill',
    status: 'ended',
    outcome: 'succeeded',
    startedAt: at(0),
    endedAt: at(30),
    durationMs: 30 * 60_000,
    ...over,
  };
}

function cleanup(over: Partial<CleanupReport> & Pick<CleanupReport, 'id'>): CleanupReport {
  return {
    stepId: 'vms',
    description: `test VM ${over.id} - Test at dc1`,
    action: { site: 'dc1', vm: over.id },
    registeredAt: at(1),
    status: 'ended',
    outcome: 'succeeded',
    endedAt: at(40),
    detail: 'removed',
    ...over,
  };
}

function report(over: Partial<RunReport> = {}): RunReport {
  return {
    schemaVersion: 1,
    runId: 'dr-drill-1',
    plan: {
      name: 'contoso-dr',
      description: 'Contoso recovery',
      rtoMinutes: 240,
      rpoMinutes: 1440,
      approval: 'required',
      sha256: 'ab'.repeat(32),
    },
    mode: 'drill',
    state: 'completed',
    outcome: 'succeeded',
    requestedBy: 'alice@contoso.com',
    requestedAt: at(0),
    startedAt: at(0),
    endedAt: at(45),
    rtoStartAt: at(0),
    approvals: [],
    alerts: [],
    percent: 100,
    groups: [{ name: 'APIM', steps: [step({ id: 'apim', critical: true })] }],
    cleanup: [],
    rto: { targetMinutes: 240, achievedMinutes: 45, met: true },
    rpo: { targetMinutes: 1440 },
    writtenAt: at(45),
    ...over,
  };
}

/** The page's text without tags (what a reader sees, roughly). */
function text(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('renderReportHtml (issue 21, smaller items)', () => {
  it('a pending failover says until when and how to approve, reject or cancel it', () => {
    const { outcome: _outcome, endedAt: _endedAt, ...ended } = report();
    const html = renderReportHtml({
      ...ended,
      mode: 'failover',
      state: 'pendingApproval',
      approvalDeadline: at(24 * 60),
    });
    const t = text(html);
    expect(t).toMatch(/Approve until 2026-11-30 09:00:00 UTC/);
    for (const path of [
      '/api/failovers/dr-drill-1/approve',
      '/api/failovers/dr-drill-1/reject',
      '/api/runs/dr-drill-1/cancel',
    ])
      expect(t).toContain(path);
  });
  it('shows evidence times as the rest of the report does, never raw ISO', () => {
    const html = renderReportHtml(
      report({
        groups: [
          {
            name: 'APIM',
            steps: [step({ id: 'apim', evidence: { verifiedAt: '2026-11-29T09:44:12.345Z' } })],
          },
        ],
      }),
    );
    expect(text(html)).toContain('2026-11-29 09:44:12 UTC');
    expect(html).not.toContain('09:44:12.345Z<');
  });
});

describe('renderReportHtml', () => {
  it('escapes every text that comes from outside: summaries, errors, evidence keys and values, names', () => {
    const evil = '<script>alert(1)</script>"\'&';
    const html = renderReportHtml(
      report({
        reason: evil,
        requestedBy: '<b>mallory</b>',
        groups: [
          {
            name: `<i>group</i>`,
            steps: [
              step({
                id: 'apim',
                target: evil,
                summary: evil,
                outcome: 'failed',
                error: { code: '<Code>', message: evil },
                evidence: { [`<img src=x onerror=alert(1)>`]: evil, vms: [{ name: evil }], list: [evil] },
              }),
            ],
          },
        ],
        cleanup: [
          cleanup({ id: 'c1', description: evil, outcome: 'failed', error: { code: 'X', message: evil } }),
        ],
        changes: {
          previousRunId: evil,
          added: [evil],
          removed: [],
          outcomeChanged: [{ id: evil, from: evil, to: evil }],
        },
      }),
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<b>mallory');
    expect(html).not.toContain('<i>group');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;mallory&lt;/b&gt;');
  });

  it('puts a failed cleanup before anything else on the page', () => {
    const html = renderReportHtml(
      report({
        outcome: 'partial',
        cleanup: [
          cleanup({ id: 'app-02' }),
          cleanup({
            id: 'app-01',
            outcome: 'failed',
            error: { code: 'TestVmStillExists', message: 'Test still exists' },
            detail: undefined as never,
          }),
        ],
      }),
    );
    const body = html.slice(html.indexOf('<main>') + '<main>'.length);
    expect(body.startsWith('<section class="alarm" role="alert">')).toBe(true);
    expect(
      text(body).trim().startsWith('Cleanup failed: test VM app-01 - Test at dc1 - Test still exists'),
    ).toBe(true);
    expect(text(body.slice(0, body.indexOf('<header>')))).not.toContain('app-02');
    expect(failedCleanups(report({ cleanup: [cleanup({ id: 'a' })] }))).toEqual([]);
  });

  it('shows no alarm when every cleanup succeeded or is still pending in a running drill', () => {
    const html = renderReportHtml(
      report({
        state: 'running',
        cleanup: [cleanup({ id: 'a' }), { ...cleanup({ id: 'b' }), status: 'pending' }],
      }),
    );
    expect(html).not.toContain('role="alert"');
    expect(html).not.toContain('Cleanup failed');
  });

  it('raises the alarm for a cleanup that never ran once the run is over', () => {
    const pending: CleanupReport = {
      id: 'b',
      stepId: 'vms',
      description: 'test VM app-03 - Test at dc1',
      action: { site: 'dc1', vm: 'app-03' },
      registeredAt: at(1),
      status: 'pending',
    };
    const html = renderReportHtml(report({ state: 'cancelled', outcome: 'refused', cleanup: [pending] }));
    expect(text(html)).toContain('Cleanup failed: test VM app-03 - Test at dc1 - cleanup never ran');
    expect(text(html)).toContain('never ran');
  });

  it('renders a partial report: running and pending steps, progress, no outcome yet', () => {
    const html = renderReportHtml(
      report({
        state: 'running',
        outcome: undefined as never,
        endedAt: undefined as never,
        percent: 40,
        currentGroup: 1,
        writtenAt: at(35),
        groups: [
          { name: 'APIM', steps: [step({ id: 'apim', critical: true })] },
          {
            name: 'VMs',
            steps: [
              step({
                id: 'vms',
                kind: 'hyperv.failback',
                status: 'running',
                outcome: undefined as never,
                startedAt: at(31),
                endedAt: undefined as never,
                durationMs: undefined as never,
              }),
            ],
          },
          {
            name: 'Lync',
            steps: [
              step({
                id: 'lync',
                kind: 'lync.conferenceRestore',
                status: 'pending',
                outcome: undefined as never,
                startedAt: undefined as never,
                endedAt: undefined as never,
                durationMs: undefined as never,
              }),
            ],
          },
        ],
      }),
    );
    const t = text(html);
    expect(t).toContain('This report is partial: the run is running');
    expect(t).toContain('40% done · group 2 of 3');
    expect(t).toContain('no outcome yet');
    expect(t).toMatch(/vms \s*4 min so far/);
    expect(html).toContain('<span class="badge run">running</span>');
    expect(html).toContain('<span class="badge idle">pending</span>');
    expect(t).toContain('not started');
    // the running step's bar runs to writtenAt: from 31 to 35 of a 0-35 span
    expect(html).toMatch(/class="bar run" style="left:88\.57%;width:11\.43%"/);
  });

  it('shows a correct refusal as neutral, never as a failure', () => {
    const html = renderReportHtml(
      report({
        mode: 'failover',
        state: 'rejected',
        outcome: 'refused',
        error: { code: 'Rejected', message: 'bob rejected the failover' },
        startedAt: undefined as never,
        approvals: [{ decision: 'rejected', by: 'bob@contoso.com', at: at(5), comment: 'not a real outage' }],
        groups: [
          {
            name: 'APIM',
            steps: [
              step({
                id: 'apim',
                status: 'skipped',
                outcome: undefined as never,
                startedAt: undefined as never,
                endedAt: undefined as never,
              }),
            ],
          },
        ],
      }),
    );
    expect(html).toContain('<span class="badge neutral">refused</span>');
    expect(html).toContain('<span class="badge neutral">rejected</span>');
    expect(html).not.toMatch(/class="(badge|bar|step) bad"/);
    expect(html).not.toContain('role="alert"');
    const t = text(html);
    expect(t).toContain('FAILOVER');
    expect(t).toMatch(/rejected by bob@contoso\.com at 2026-11-29 09:05:00 UTC\s*: “not a real outage”/);
    expect(t).toContain('No step has started yet.');
  });

  it('marks a refused step neutral and a failed step red', () => {
    const html = renderReportHtml(
      report({
        groups: [
          {
            name: 'g',
            steps: [
              step({
                id: 'refused-one',
                outcome: 'refused',
                error: { code: 'DrillOnly', message: 'drills only read' },
              }),
              step({ id: 'failed-one', outcome: 'failed', error: { code: 'Boom', message: 'it broke' } }),
            ],
          },
        ],
      }),
    );
    expect(html).toMatch(
      /<article class="step neutral"><h4><span class="badge neutral">refused<\/span> <code>refused-one/,
    );
    expect(html).toMatch(
      /<article class="step bad"><h4><span class="badge bad">failed<\/span> <code>failed-one/,
    );
  });

  it('shows the mode, RTO and RPO against their targets (met, missed, unknown) and the changes', () => {
    const html = renderReportHtml(
      report({
        mode: 'failover',
        rto: { targetMinutes: 60, achievedMinutes: 75.5, met: false },
        rpo: { targetMinutes: 1440 },
        changes: {
          previousRunId: 'dr-failover-0',
          added: ['new-step'],
          removed: ['old-step'],
          outcomeChanged: [{ id: 'apim', from: 'failed', to: 'succeeded' }],
        },
      }),
    );
    const t = text(html);
    expect(t).toContain('FAILOVER — a real recovery');
    expect(t).toMatch(/RTO missed 75\.5 min against target 60 min/);
    expect(t).toMatch(/RPO unknown not known against target 1440 min/);
    expect(t).toContain('Step added: new-step');
    expect(t).toContain('Step removed: old-step');
    expect(t).toContain('Outcome of apim changed: failed → succeeded');
    expect(t).toContain('Compared with run dr-failover-0');
    expect(text(renderReportHtml(report()))).toContain('No previous drill of this plan to compare with.');
  });

  it('renders evidence generically: nested objects as key/value lists, records as a table, plain arrays inline', () => {
    const html = renderReportHtml(
      report({
        groups: [
          {
            name: 'g',
            steps: [
              step({
                id: 'vms',
                evidence: {
                  backupTakenAt: '2026-11-29T02:08:00Z',
                  verification: { differences: [], apis: 14 },
                  vms: [
                    { name: 'app-01', state: 'Running' },
                    { name: 'app-02', state: 'Off', note: null },
                  ],
                  sites: ['dc1', 'dc2'],
                  mixed: [1, { a: true }],
                },
              }),
            ],
          },
        ],
      }),
    );
    expect(html).toContain(
      '<dt>backup taken at</dt><dd><time datetime="2026-11-29T02:08:00Z">2026-11-29 02:08:00 UTC</time></dd>',
    );
    expect(html).toContain('<dt>differences</dt><dd><span class="small">none</span></dd>');
    expect(html).toContain('<th>name</th><th>state</th><th>note</th>');
    expect(html).toContain(
      '<td><span class="lbl">name</span>app-01</td><td><span class="lbl">state</span>Running</td>',
    );
    expect(html).toContain('<td><span class="lbl">note</span>—</td>');
    expect(html).toContain('<dt>sites</dt><dd>dc1, dc2</dd>');
    expect(html).toContain(
      '<ol class="ev-list"><li>1</li><li><dl class="kv"><dt>a</dt><dd>true</dd></dl></li></ol>',
    );
  });

  it('lists who requested, approved and cancelled, and the attached alerts', () => {
    const t = text(
      renderReportHtml(
        report({
          mode: 'failover',
          state: 'cancelled',
          outcome: 'refused',
          approvals: [{ decision: 'approved', by: 'bob@contoso.com', at: at(3) }],
          cancel: { by: 'carol@contoso.com', at: at(20), reason: 'false alarm' },
          alerts: [
            {
              alertId: '/subscriptions/1/providers/Microsoft.AlertsManagement/alerts/abc',
              rule: 'apim-down',
              severity: 'Sev1',
              monitorCondition: 'Fired',
              firedDateTime: at(-2),
              receivedAt: at(-1),
            },
          ],
        }),
      ),
    );
    expect(t).toContain('Requested by alice@contoso.com at 2026-11-29 09:00:00 UTC');
    expect(t).toContain('approved by bob@contoso.com at 2026-11-29 09:03:00 UTC');
    expect(t).toMatch(/cancelled by carol@contoso\.com at 2026-11-29 09:20:00 UTC\s*: false alarm/);
    expect(t).toContain('apim-down · Sev1 · Fired · fired 2026-11-29 08:58:00 UTC');
  });

  it('needs no script and loads nothing from outside', () => {
    const html = renderReportHtml(report());
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(text(html)).toContain('Report written 2026-11-29 09:45:00 UTC');
  });
});

describe('duration', () => {
  it('reads like a person writes it', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(45_000)).toBe('45 s');
    expect(duration(8 * 60_000 + 12_000)).toBe('8 min 12 s');
    expect(duration(30 * 60_000)).toBe('30 min');
    expect(duration(65 * 60_000)).toBe('1 h 05 min');
    expect(duration(-1)).toBe('—');
  });

  it('shows every wait on the timeline and in the RTO explanation', () => {
    const html = renderReportHtml(
      report({
        waits: [
          {
            kind: 'approval',
            what: 'a person to approve',
            from: '2026-11-29T09:00:00.000Z',
            to: '2026-11-29T09:06:00.000Z',
          },
        ],
      }),
    );
    expect(html).toContain('waiting: approval');
    expect(html).toContain('including the waits: approval: 6 min');
  });
});
