import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Real-browser checks (issue 10: "checked in a real browser"): headless Chromium from Debian's
 * `chromium` package, installed by `npm run tools` (tools/install-chromium.sh), driven by
 * playwright-core. Never a browser download: playwright-core ships no browser and downloads none,
 * and we always hand it the executable found on PATH.
 *
 * The whole API:
 * ```ts
 * const browser = await startBrowser();          // in beforeAll
 * const { page, requests } = await browser.open({ html }, { width: 390 }); // or { url }
 * expect(await visibleText(page)).toContain('Cleanup failed');
 * expect(await horizontalOverflow(page)).toBe(0);
 * await saveScreenshot(page, 'report-drill');    // → test-artifacts/report-drill.png
 * await browser.close();                         // in afterAll: closes every page it opened
 * ```
 */

/** The repository root: the nearest folder above this file with a package.json (works from dist/ too). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Where screenshots go (git-, prettier- and eslint-ignored). */
export const ARTIFACTS_DIR = path.join(repoRoot(), 'test-artifacts');

/** Debian's chromium on PATH (`LIFEBOAT_CHROMIUM` overrides it); throws saying how to install it. */
export function chromiumPath(): string {
  const override = process.env['LIFEBOAT_CHROMIUM'];
  if (override !== undefined && override !== '') return override;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not on PATH: run `npm run tools` (tools/install-chromium.sh)');
  }
}

export interface OpenOptions {
  /** Viewport width in CSS pixels (default 1280). */
  width?: number;
  /** Viewport height in CSS pixels (default 800). */
  height?: number;
  /** Run the page's scripts (default true); false proves a page needs none. */
  javaScript?: boolean;
}

export interface OpenedPage {
  page: Page;
  /**
   * Every network request the page made after it was opened (URLs, in order). For `{ html }` any
   * entry is an external asset: a self-contained page leaves this empty. Requests are not blocked.
   */
  requests: string[];
}

export interface BrowserSession {
  /** Opens an HTML string (as `about:blank` content) or a URL in a fresh context, waits for `load`. */
  open(target: { html: string } | { url: string }, options?: OpenOptions): Promise<OpenedPage>;
  /** Closes every context it opened and the browser. */
  close(): Promise<void>;
}

/** Launches headless Chromium (with `--no-sandbox` when running as root, where its sandbox refuses to start). */
export async function startBrowser(): Promise<BrowserSession> {
  process.env['PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD'] = '1';
  const { chromium } = await import('playwright-core');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: asRoot ? ['--no-sandbox'] : [],
  });
  const contexts: BrowserContext[] = [];
  return {
    async open(target, options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
        javaScriptEnabled: options.javaScript ?? true,
      });
      contexts.push(context);
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      if ('html' in target) await page.setContent(target.html, { waitUntil: 'load' });
      else await page.goto(target.url, { waitUntil: 'load' });
      return { page, requests };
    },
    async close() {
      for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** What a person can read on the page: the body's rendered text (hidden elements excluded). */
export async function visibleText(page: Page): Promise<string> {
  return page.innerText('body');
}

/** How many CSS pixels the page is wider than its viewport (0: no horizontal scrolling). */
export async function horizontalOverflow(page: Page): Promise<number> {
  // A string expression: the project's TypeScript has no DOM types (nothing else runs in a page).
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** Saves a full-page PNG as `test-artifacts/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
