import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../shared/plans/report';
import { renderReportHtml } from '../../../shared/plans/reportHtml';
import {
  horizontalOverflow,
  saveScreenshot,
  startBrowser,
  visibleText,
  type BrowserSession,
} from '../../helpers/browser';

/**
 * The drill report as a person sees it in headless Chromium (issue 10: "a test renders the report
 * of a drill with one failed step and asserts what a person sees"). The fixture is what the plan
 * run writes for a three-group drill: an APIM restore into the drill target, Lync and Persistent
 * Chat reads (the Lync read fails, onFailure continue), a Hyper-V test failover of two VMs whose
 * cleanup of app-01 fails. Screenshots land in test-artifacts/.
 */

const T0 = Date.parse('2026-11-29T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function drillWithOneFailedStep(): RunReport {
  return {
    schemaVersion: 1,
    runId: 'contoso-dr-drill-20261129T085955Z-3f9a',
    plan: {
      name: 'contoso-dr',
      description:
        'Contoso disaster recovery: API Management into the standby region, then Lync conference content, the Persistent Chat endpoint and the line-of-business VMs at dc1.',
      rtoMinutes: 240,
      rpoMinutes: 1440,
      approval: 'required',
      sha256: '9f2c4e7a0b1d3c5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e',
    },
    mode: 'drill',
    state: 'completed',
    outcome: 'partial',
    error: {
      code: 'StepsFailed',
      message: '1 of 4 steps failed (lync-read); the plan went on (onFailure: continue)',
    },
    reason: 'drill',
    requestedBy: 'alice@contoso.com',
    requestedAt: at(-0.1),
    startedAt: at(0),
    endedAt: at(41.5),
    rtoStartAt: at(-0.1),
    approvals: [],
    alerts: [],
    percent: 100,
    groups: [
      {
        name: 'API Management',
        steps: [
          {
            id: 'apim-restore',
            kind: 'apim.restore',
            group: 0,
            variant: 'drill',
            onFailure: 'stop',
            timeoutMinutes: 90,
            target: 'contoso-apim → contoso-apim-drill',
            status: 'ended',
            outcome: 'succeeded',
            startedAt: at(0),
            endedAt: at(31.2),
            durationMs: 31.2 * 60_000,
            critical: true,
            summary:
              'Restored backup of 02:08 UTC into contoso-apim-drill; 14 APIs, 5 products, 22 named values match.',
            evidence: {
              backup: {
                blob: 'contoso-apim/2026-11-29T02-08-00Z.apimbackup',
                takenAt: '2026-11-29T02:08:00Z',
                ageMinutes: 412,
              },
              target: 'contoso-apim-drill',
              verification: { apis: 14, products: 5, namedValues: 22, differences: [] },
              gatewaySmoke: {
                url: 'https://contoso-apim-drill.azure-api.net/status-0123456789abcdef',
                status: 200,
              },
            },
          },
        ],
      },
      {
        name: 'Collaboration reads',
        steps: [
          {
            id: 'lync-read',
            kind: 'lync.conferenceRestore',
            group: 1,
            variant: 'drill',
            onFailure: 'continue',
            timeoutMinutes: 15,
            target: 'dc1: pool01.contoso.local',
            status: 'ended',
            outcome: 'failed',
            error: {
              code: 'BackupServiceUnreachable',
              message: 'Get-CsBackupServiceStatus: the Backup Service on pool01.contoso.local did not answer',
            },
            startedAt: at(31.3),
            endedAt: at(33.4),
            durationMs: 2.1 * 60_000,
            critical: true,
            summary: 'Could not read the Backup Service status of pool01.contoso.local.',
            evidence: { poolFqdn: 'pool01.contoso.local', module: 'SkypeForBusiness', attempts: 3 },
          },
          {
            id: 'pchat-read',
            kind: 'pchat.legacyEndpoint',
            group: 1,
            variant: 'drill',
            onFailure: 'stop',
            timeoutMinutes: 10,
            target: 'dc1: sip:pchat-legacy@contoso.com',
            status: 'ended',
            outcome: 'succeeded',
            startedAt: at(31.3),
            endedAt: at(32.0),
            durationMs: 0.7 * 60_000,
            summary: 'The legacy endpoint exists and points at pool01.contoso.local.',
            evidence: {
              exists: true,
              sipAddress: 'sip:pchat-legacy@contoso.com',
              poolFqdn: 'pool01.contoso.local',
              pointsAtPool: true,
            },
          },
        ],
      },
      {
        name: 'Line-of-business VMs',
        steps: [
          {
            id: 'hyperv-test',
            kind: 'hyperv.failback',
            group: 2,
            variant: 'drill',
            onFailure: 'stop',
            timeoutMinutes: 60,
            target: 'dc1: app-01, app-02',
            status: 'ended',
            outcome: 'succeeded',
            startedAt: at(33.5),
            endedAt: at(41.0),
            durationMs: 7.5 * 60_000,
            critical: true,
            summary: 'Test failover of 2 VMs started, both test VMs ran and answered their heartbeat.',
            evidence: {
              recoveryPoint: 'latest',
              vms: [
                {
                  name: 'app-01',
                  replicationState: 'Replicating',
                  testVm: 'app-01 - Test',
                  testVmState: 'Running',
                  heartbeat: 'OK',
                },
                {
                  name: 'app-02',
                  replicationState: 'Replicating',
                  testVm: 'app-02 - Test',
                  testVmState: 'Running',
                  heartbeat: 'OK',
                },
              ],
            },
          },
        ],
      },
    ],
    cleanup: [
      {
        id: 'hyperv-test-vms:app-02',
        stepId: 'hyperv-test',
        description: 'test VM app-02 - Test at dc1',
        action: { site: 'dc1', vm: 'app-02' },
        registeredAt: at(33.5),
        status: 'ended',
        outcome: 'succeeded',
        endedAt: at(41.2),
        detail: 'removed',
      },
      {
        id: 'hyperv-test-vms:app-01',
        stepId: 'hyperv-test',
        description: 'test VM app-01 - Test at dc1',
        action: { site: 'dc1', vm: 'app-01' },
        registeredAt: at(33.5),
        status: 'ended',
        outcome: 'failed',
        error: { code: 'TestVmStillExists', message: 'Test still exists after Stop-VMFailover' },
        endedAt: at(41.5),
      },
    ],
    rto: { targetMinutes: 240, achievedMinutes: 41.1, met: true },
    rpo: {
      targetMinutes: 1440,
      achievedMinutes: 412,
      met: true,
      source: 'backup contoso-apim/2026-11-29T02-08-00Z',
    },
    changes: {
      previousRunId: 'contoso-dr-drill-20261122T090000Z-77c1',
      added: ['pchat-read'],
      removed: [],
      outcomeChanged: [{ id: 'lync-read', from: 'succeeded', to: 'failed' }],
    },
    writtenAt: at(41.6),
  };
}

const STEP_IDS = ['apim-restore', 'lync-read', 'pchat-read', 'hyperv-test'];

describe('the drill report in Chromium', () => {
  let browser: BrowserSession;
  const html = renderReportHtml(drillWithOneFailedStep());

  beforeAll(async () => {
    browser = await startBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the failed cleanup first, the plan, RTO against target, every step and the failure, with no script and no external asset', async () => {
    const { page, requests } = await browser.open({ html }, { width: 1280, height: 900, javaScript: false });
    const text = await visibleText(page);
    await saveScreenshot(page, 'report-drill-desktop');

    const firstLine = text.split('\n').find((l) => l.trim() !== '');
    expect(firstLine).toBe(
      'Cleanup failed: test VM app-01 - Test at dc1 - Test still exists after Stop-VMFailover',
    );

    expect(text).toContain('contoso-dr');
    expect(text).toContain('DRILL');
    expect(await page.locator('h1').innerText()).toBe('contoso-dr');

    const rto = await page.locator('.card', { hasText: 'RTO' }).innerText();
    expect(rto).toMatch(/41\.1 min\s+against target 240 min/);
    expect(rto).toContain('met');
    const rpo = await page.locator('.card', { hasText: 'RPO' }).innerText();
    expect(rpo).toMatch(/412 min\s+against target 1440 min/);

    // Every step: a timeline row with its duration, and its own entry with outcome and summary.
    for (const id of STEP_IDS) {
      await expect(page.locator('.tl-row', { hasText: id }).isVisible()).resolves.toBe(true);
      await expect(page.locator('article', { hasText: id }).isVisible()).resolves.toBe(true);
    }
    expect(await page.locator('.tl-row', { hasText: 'apim-restore' }).innerText()).toContain('31 min 12 s');

    const lync = await page.locator('article', { hasText: 'lync-read' }).innerText();
    expect(lync).toContain('failed');
    expect(lync).toContain(
      'BackupServiceUnreachable: Get-CsBackupServiceStatus: the Backup Service on pool01.contoso.local did not answer',
    );
    expect(lync).toContain('on failure: continue');

    // Evidence: the VMs of the test failover as a table a person can read.
    const hyperv = await page.locator('article', { hasText: 'hyperv-test' }).innerText();
    expect(hyperv).toMatch(/app-01\s+Replicating\s+app-01 - Test\s+Running\s+OK/);
    expect(hyperv).toMatch(/app-02\s+Replicating\s+app-02 - Test\s+Running\s+OK/);

    const cleanup = await page.locator('ul.cleanup').innerText();
    expect(cleanup).toMatch(/succeeded\s+test VM app-02 - Test at dc1 · removed/);
    expect(cleanup).toMatch(/failed\s+test VM app-01 - Test at dc1\s+TestVmStillExists: Test still exists/);

    expect(text).toContain('Outcome of lync-read changed: succeeded → failed');
    expect(text).toContain('Step added: pchat-read');
    expect(requests).toEqual([]);
  });

  it('places each bar on the run span: groups one after another, steps of a group side by side', async () => {
    const { page } = await browser.open({ html }, { width: 1280, height: 900 });
    const box = async (id: string) => {
      const b = await page.locator('.tl-row', { hasText: id }).locator('.bar').boundingBox();
      if (!b) throw new Error(`no bar for ${id}`);
      return b;
    };
    const apim = await box('apim-restore');
    const lync = await box('lync-read');
    const pchat = await box('pchat-read');
    const hyperv = await box('hyperv-test');
    expect(lync.x).toBeGreaterThanOrEqual(apim.x + apim.width - 1);
    expect(Math.abs(lync.x - pchat.x)).toBeLessThan(2);
    expect(hyperv.x).toBeGreaterThanOrEqual(lync.x + lync.width - 1);
    expect(apim.width).toBeGreaterThan(3 * hyperv.width);
    expect(await page.locator('.tl-row', { hasText: 'pchat-read' }).innerText()).not.toContain(
      'critical path',
    );
    expect(await page.locator('.tl-row', { hasText: 'apim-restore' }).innerText()).toContain('critical path');
  });

  it('fits a phone: 390 px wide without horizontal scrolling, the failed cleanup still first', async () => {
    const { page } = await browser.open({ html }, { width: 390, height: 844, javaScript: false });
    await saveScreenshot(page, 'report-drill-phone');
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(1);
    const alarm = await page.getByRole('alert').boundingBox();
    const title = await page.locator('h1').boundingBox();
    expect(alarm && title && alarm.y < title.y).toBe(true);
    expect(await visibleText(page)).toContain('41.1 min');
  });
});
