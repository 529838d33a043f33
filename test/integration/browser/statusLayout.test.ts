import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildStatus, type StatusReport } from '../../../shared/status/model';
import { renderStatusHtml } from '../../../shared/status/html';
import { horizontalOverflow, saveScreenshot, startBrowser, type BrowserSession } from '../../helpers/browser';

/**
 * The status page's layout in a real browser (issue 21, item 11): on a 390 px phone nothing
 * scrolls sideways, even with an unbroken ARM id in an alert reason; on a 1280 px screen the cards
 * fill their row. The page is rendered from a status report built from inputs (no world needed).
 */

const NOW = new Date('2026-12-07T00:41:00Z');
const ARM =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-lifeboat-production/providers/Microsoft.ApiManagement/service/contoso-apim-production-westeurope';

function report(): StatusReport {
  const taken = new Date(NOW.getTime() - 3600_000);
  return buildStatus({
    now: NOW,
    baseUrl: 'https://lifeboat.example',
    services: [
      {
        serviceName: 'contoso-apim-production-westeurope',
        resourceId: ARM,
        rpoMs: 7 * 3600_000,
        catalog: {
          source: 'summary',
          asOf: taken,
          newestVerified: {
            name: 'contoso/contoso-20261206T234100Z.apimbackup',
            takenAt: taken,
            sizeBytes: 1,
          },
        },
        lastRun: undefined,
        restoreCanary: { enabled: false, maxAgeDays: 7 },
        targets: [],
      },
    ],
    sites: [{ site: 'dc1', heartbeats: undefined, inFlight: 0, queueDepth: 0, poisonCount: null }],
    heartbeatIntervalMs: 5 * 60_000,
    plans: undefined,
    alerts: {
      updatedAt: NOW.toISOString(),
      decisions: [
        {
          alertId: `${ARM}/providers/Microsoft.AlertsManagement/alerts/0123456789abcdef0123456789abcdef`,
          decidedAt: NOW.toISOString(),
          decision: 'ignored',
          reason: `no plan names the rule for ${ARM}/providers/Microsoft.AlertsManagement/alerts/0123456789abcdef0123456789abcdef`,
        },
      ],
    },
    alertsShown: 10,
    resultsPoisonCount: null,
    problems: [],
  });
}

/** For each grid: how much of its width its first row of cards covers (0..1). */
async function rowFill(page: Page): Promise<number[]> {
  return page.evaluate<number[]>(`[...document.querySelectorAll('.grid')].map((g) => {
    const cards = [...g.children].map((c) => c.getBoundingClientRect());
    const top = Math.min(...cards.map((r) => r.top));
    const row = cards.filter((r) => Math.abs(r.top - top) < 2);
    const left = Math.min(...row.map((r) => r.left));
    const right = Math.max(...row.map((r) => r.right));
    return (right - left) / g.getBoundingClientRect().width;
  })`);
}

describe('the status page layout', () => {
  let browser: BrowserSession;
  let html: string;
  beforeAll(async () => {
    browser = await startBrowser();
    html = renderStatusHtml(report());
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('on a 390 px phone: no sideways scroll, long ids wrap', async () => {
    const { page } = await browser.open({ html }, { width: 390, height: 844, javaScript: false });
    await saveScreenshot(page, 'status-layout-390');
    expect(await horizontalOverflow(page)).toBe(0);
  });

  it('on a 1280 px screen: the cards fill the width of their row', async () => {
    const { page } = await browser.open({ html }, { width: 1280, height: 900, javaScript: false });
    await saveScreenshot(page, 'status-layout-1280');
    expect(await horizontalOverflow(page)).toBe(0);
    const fills = await rowFill(page);
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) expect(f).toBeGreaterThan(0.95);
    const main = await page.evaluate<number>(`document.querySelector('main').getBoundingClientRect().width`);
    expect(main).toBeGreaterThan(1280 * 0.9);
  });
});
