import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  horizontalOverflow,
  saveScreenshot,
  startBrowser,
  visibleText,
  type BrowserSession,
} from '../../helpers/browser';
import type { StatusReport } from '../../../shared/status/model';
import { isListRequest } from '../../bench/fixtures/countingProxy';
import type { StatusWorld } from './helpers';
import { startScenario } from './scenario';

let w: StatusWorld;
let PENDING_RUN: string;
let DRILL_RUN: string;
let report: StatusReport;
let html: string;
/** Storage requests the two status requests made. */
let during: { method: string; url: string }[];

beforeAll(async () => {
  const scenario = await startScenario();
  w = scenario.w;
  PENDING_RUN = scenario.pendingRun;
  DRILL_RUN = scenario.drillRun;
  const before = w.proxy.requests.length;
  report = JSON.parse(await w.getText('/api/status')) as StatusReport;
  html = await w.getText('/api/status.html');
  during = w.proxy.requests.slice(before);
}, 180_000);
afterAll(async () => {
  await w?.stop();
});

describe('GET /api/status', () => {
  it('answers no, naming the stale backup and the silent site', () => {
    expect(report.canRecover.answer).toBe('no');
    const items = report.canRecover.reasons.filter((r) => r.colour === 'red').map((r) => r.item);
    expect(items).toEqual(expect.arrayContaining(['service contoso-apim', 'site dc2']));
    expect(items).not.toContain('service orders-apim');
  });

  it('shows each service with its backup age against the RPO, last run, restore verification and standby', () => {
    const contoso = report.services.find((s) => s.service === 'contoso-apim')!;
    expect(contoso.backup.colour).toBe('red');
    expect(contoso.backup.reason).toMatch(/over the RPO of 7 h/);
    expect(contoso.backup.newestVerified?.ageSeconds).toBeGreaterThan(40 * 3600);
    expect(contoso.lastRun).toMatchObject({ colour: 'green', outcome: 'succeeded' });
    expect(contoso.targets.find((t) => t.role === 'standby')).toMatchObject({
      colour: 'green',
      name: 'contoso-apim-standby',
    });
    // The drill restored into the first drill target; nothing ever into the second: not known, and said so.
    expect(contoso.targets.find((t) => t.name === 'contoso-apim-drill')?.colour).toBe('green');
    expect(contoso.targets.find((t) => t.name === 'contoso-apim-drill2')?.colour).toBe('unknown');
    const orders = report.services.find((s) => s.service === 'orders-apim')!;
    expect(orders.backup.colour).toBe('green');
    expect(orders.restoreVerification.reason).toMatch(/no drill target/);
    expect(report.unknowns.join('\n')).toMatch(/contoso-apim-drill2/);
  });

  it('shows the sites: the agent that answered, with its version and round trip, and the silent one red', () => {
    const dc1 = report.sites.find((s) => s.site === 'dc1')!;
    expect(dc1).toMatchObject({ colour: 'green', agentId: 'agent-dc1', executor: 'simulated' });
    expect(dc1.version).not.toBeNull();
    expect(dc1.rttMs[0]).toBeTypeOf('number');
    expect(dc1.queueDepth).toBe(0);
    const dc2 = report.sites.find((s) => s.site === 'dc2')!;
    expect(dc2.colour).toBe('red');
    expect(dc2.reason).toMatch(/never answered/);
    expect(dc2.lastHeartbeat?.outcome).toBe('timedOut');
  });

  it('shows the failover waiting for approval with how to approve it, the last drill and the alert', () => {
    const plan = report.plans?.find((p) => p.plan === 'dc-failover');
    expect(plan?.pendingApprovals[0]?.approve.path).toBe(`/api/failovers/${PENDING_RUN}/approve`);
    expect(plan?.pendingApprovals[0]?.approve.curl).toContain(
      `${w.host.baseUrl}/api/failovers/${PENDING_RUN}/approve`,
    );
    expect(plan?.lastDrill).toMatchObject({ runId: DRILL_RUN, colour: 'green', outcome: 'succeeded' });
    expect(plan?.lastDrill?.rto.achievedMinutes).toBeTypeOf('number');
    expect(report.alerts?.[0]).toMatchObject({
      decision: 'started',
      runId: PENDING_RUN,
      rule: 'apim-gateway-down',
    });
  });

  it('reads only blobs it can name: no listing on the request path', () => {
    expect(during.length).toBeGreaterThan(10);
    expect(during.filter(isListRequest)).toEqual([]);
    // The proxy does see listings when something lists (the prune after each backup does).
    expect(w.proxy.requests.some(isListRequest)).toBe(true);
  });
});

describe('the status page in a real browser', () => {
  let browser: BrowserSession;
  beforeAll(async () => {
    browser = await startBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('tells a person on a phone that recovery is not possible now, and why', async () => {
    const { page, requests } = await browser.open({ html }, { width: 390, height: 844, javaScript: false });
    const text = await visibleText(page);
    expect(text).toContain('Can we recover now?');
    expect(text).toMatch(/RED\s+No/);
    expect(text).toMatch(/contoso-apim[\s\S]*over the RPO of 7 h/);
    expect(text).toMatch(/Site dc2[\s\S]*never answered a heartbeat/);
    expect(text).toMatch(/agent-dc1/);
    expect(text).toContain(`Failover ${PENDING_RUN} waits for approval`);
    expect(text).toContain(`/api/failovers/${PENDING_RUN}/approve`);
    expect(text).toMatch(/started[\s\S]*apim-gateway-down/); // decisions in words (issue 21.12)
    expect(text).toMatch(/UNKNOWN[\s\S]*contoso-apim-drill2/);
    const link = await page.getAttribute(`a[href="/api/runs/${DRILL_RUN}/report.html"]`, 'href');
    expect(link).toBe(`/api/runs/${DRILL_RUN}/report.html`);
    // Self-contained and readable on a phone: nothing fetched, no sideways scrolling.
    expect(requests).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await saveScreenshot(page, 'status-page-phone');
  });

  it('renders wide on a desktop too', async () => {
    const { page } = await browser.open({ html }, { width: 1280 });
    expect(await horizontalOverflow(page)).toBe(0);
    await saveScreenshot(page, 'status-page-desktop');
  });
});
