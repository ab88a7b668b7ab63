import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/**
 * Support for the dashboard's browser tests: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), one fresh profile per run, and every console error and page error kept so
 * a test can fail on them.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test', 'browser', 'screenshots');

export interface DashboardBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors so far, except the answers `expected` allows. */
  errors(): string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Requests that answer 4xx on purpose: the sign-in asks calls some roles may not make (that is how
 * it finds the key's role, and how it turns away a key of another role) and the compliance page asks whether optional parameters are accepted.
 * Chromium logs every 4xx answer as a console error; these, and only these, are not failures.
 */
const EXPECTED_REFUSALS = [/\/v1\/views\/warranty-archive\?limit=1$/, /\/v1\/views\/sla-compliance\?.*from=2000-01-01&to=2000-01-02/, /\/v1\/tickets\/00000000-0000-4000-8000-000000000000\/history/];

export async function openDashboardBrowser(): Promise<DashboardBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A fresh profile each run (the user-data-dir), so nothing of an earlier run is in the browser.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const url = message.location().url ?? '';
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) && EXPECTED_REFUSALS.some((pattern) => pattern.test(url))) return;
    errors.push(`${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return {
    context,
    page,
    errors: () => [...errors],
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The text of every cell of a table, row by row (header row first), as a screen reader would read it. */
export async function tableText(page: Page, selector: string): Promise<string[][]> {
  return page.locator(selector).evaluate((table) =>
    Array.from((table as unknown as { rows: ArrayLike<{ cells: ArrayLike<{ textContent: string | null }> }> }).rows, (row) =>
      Array.from(row.cells, (cell) => (cell.textContent ?? '').trim()),
    ),
  );
}
