import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { tempDataDir } from '../support/app-process';
import { TEST_KEYS } from '../support/http-client';
import { askView, DAY, monthStart, nowSecond, startViewsApp, type ViewsApp } from '../support/views-scenario';
import { openDashboardBrowser, tableText, type DashboardBrowser } from './browser';
import { writeTicketStore, type SeededTicket } from './ticket-store';

/**
 * How fast the SLA compliance page loads with 20,000 tickets in the views, measured in the browser
 * with the Performance API and printed (not asserted: the number depends on the machine). Every
 * seventh ticket is acknowledged after 45 minutes (breached), the others after 10 (met).
 */

const TICKETS = 20_000;
let app: ViewsApp;
let web: DashboardBrowser;
const data = tempDataDir();
const START = monthStart(nowSecond(), -5);
const SPACING = Math.floor((nowSecond() - DAY - START) / TICKETS);
const seeded: SeededTicket[] = Array.from({ length: TICKETS }, (_, i) => ({
  reportedAt: START + i * SPACING,
  acknowledgedAfterMinutes: i % 7 === 0 ? 45 : 10,
  customerId: `c-${i % 50}`,
  severity: i % 3 === 0 ? 'major' : 'general',
}));

beforeAll(async () => {
  writeTicketStore(join(data.path, 'events.db'), seeded);
  app = await startViewsApp({ RATE_LIMIT_PER_SECOND: '0' }, data.path);
  // The views catch up on the 40,000 events before the page is timed.
  const answer = await askView(app.analyst, `/v1/views/sla-compliance?minPosition=${2 * TICKETS - 1}`);
  expect(answer.status).toBe(200);
  web = await openDashboardBrowser();
}, 300_000);

afterAll(async () => {
  await web?.close();
  await app?.stop();
  data.remove();
}, 60_000);

describe('the dashboard with 20,000 tickets in the views', () => {
  it('loads the SLA compliance page and says how long it took', async () => {
    await web.page.goto(`${app.url}/dashboard/`);
    await web.page.locator('#sign-in input[name=key]').fill(TEST_KEYS.analyst);
    await web.page.locator('#sign-in button[type=submit]').click();
    await web.page.locator('main[data-page="compliance"][data-ready="true"]').waitFor({ timeout: 120_000 });
    // Timed: a fresh load of the page, signed in, until its charts and tables are drawn.
    await web.page.reload();
    await web.page.locator('main[data-page="compliance"][data-ready="true"]').waitFor({ timeout: 120_000 });
    const timing = (await web.page.evaluate(`(() => {
      const navigation = performance.getEntriesByType('navigation')[0];
      const ready = performance.getEntriesByName('dashboard-ready:compliance')[0];
      return { domContentLoaded: navigation.domContentLoadedEventEnd, load: navigation.loadEventEnd, ready: ready.startTime };
    })()`)) as { domContentLoaded: number; load: number; ready: number };
    process.stdout.write(
      `dashboard with ${TICKETS} tickets: DOMContentLoaded ${timing.domContentLoaded.toFixed(0)} ms, load ${timing.load.toFixed(0)} ms, compliance page drawn ${timing.ready.toFixed(0)} ms after navigation start\n`,
    );
    // The figures are the seeded ones: every ticket is counted once, a seventh of them breached.
    const rows = (await tableText(web.page, '[data-table=compliance]')).slice(1);
    expect(rows.reduce((sum, row) => sum + Number(row[1]), 0)).toBe(TICKETS);
    expect(rows.reduce((sum, row) => sum + Number(row[3]), 0)).toBe(Math.ceil(TICKETS / 7));
    expect(timing.ready).toBeGreaterThan(0);
    expect(web.errors()).toEqual([]);
  }, 300_000);
});

