import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import {
  horizontalOverflow,
  saveScreenshot,
  startBrowser,
  visibleText,
  type BrowserSession,
} from '../../helpers/browser';

describe('browser helper', () => {
  let browser: BrowserSession;
  beforeAll(async () => {
    browser = await startBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('shows visible text only, reports overflow and external requests, and keeps a screenshot', async () => {
    const html =
      '<!doctype html><meta name="viewport" content="width=device-width"><p>shown</p><p hidden>not shown</p>' +
      '<div style="width:900px">wide</div><img src="http://127.0.0.1:9/x.png" alt="">';
    const { page, requests } = await browser.open({ html }, { width: 390, javaScript: false });
    const text = await visibleText(page);
    expect(text).toContain('shown');
    expect(text).not.toContain('not shown');
    expect(await horizontalOverflow(page)).toBeGreaterThan(400);
    expect(requests).toEqual(['http://127.0.0.1:9/x.png']);
    expect(existsSync(await saveScreenshot(page, 'helper-smoke'))).toBe(true);
  });
});
