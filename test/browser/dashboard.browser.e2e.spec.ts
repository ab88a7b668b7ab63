import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { TEST_KEYS } from '../support/http-client';
import { askView, DAY, Desk, HOUR, iso, MINUTE, monthKey, monthStart, nowSecond, startViewsApp, type TicketScript, type ViewsApp } from '../support/views-scenario';
import { openDashboardBrowser, tableText, type DashboardBrowser } from './browser';

/**
 * The analysts' dashboard in Debian's Chromium against the built app on a scenario whose numbers
 * are known (all sent through the HTTP API, with the deadline follower running):
 *
 * | ticket | reported (last month M1) | response (target 30 min) | on-site rating |
 * |--------|--------------------------|--------------------------|----------------|
 * | R1     | day 3, 09:00             | 10 min: met              | 5 (satisfied)  |
 * | R2     | day 5, 10:00             | 45 min: breached         |                |
 * | R3     | day 10, 14:00            | 5 min: met               | 3              |
 * | R4     | day 17, 11:00            | 50 min: breached         |                |
 * | R5     | day 21, 08:00            | 20 min: met              |                |
 *
 * So month M1 shows response 5 total, 3 met, 2 breached, 0 running, 60.0 %; on-site satisfaction
 * 2 rated, 1 satisfied, 50.0 %. Asset "lift-ending" has its one-year coverage end in about 30 days.
 */

let app: ViewsApp;
let web: DashboardBrowser;
const desk = new Desk(() => app.service);
const NOW = nowSecond();
const M1 = monthStart(NOW, -1);
const KEY1 = monthKey(M1);
let R2: TicketScript;
let R4: TicketScript;

const dashboard = () => `${app.url}/dashboard/`;

async function restoredAndRated(ticket: TicketScript, score: number): Promise<void> {
  await ticket.dispatch('eng-li', 'onsite', 12 * MINUTE);
  await ticket.restore(40 * MINUTE);
  await ticket.rate('onsite', score, 50 * MINUTE);
}

async function signIn(key: string): Promise<void> {
  await web.page.goto(dashboard());
  await web.page.locator('#sign-in input[name=key]').fill(key);
  await web.page.locator('#sign-in button[type=submit]').click();
}

async function pageReady(name: string): Promise<void> {
  await web.page.locator(`main[data-page="${name}"][data-ready="true"]`).waitFor({ timeout: 60_000 });
}

beforeAll(async () => {
  app = await startViewsApp({ RUN_DEADLINE_FOLLOWER: 'true', RATE_LIMIT_PER_SECOND: '0' });
  const R1 = await desk.report(M1 + 2 * DAY + 9 * HOUR, { customerId: 'c-east', severity: 'general' });
  await R1.acknowledge(10 * MINUTE);
  await restoredAndRated(R1, 5);
  R2 = await desk.report(M1 + 4 * DAY + 10 * HOUR, { customerId: 'c-east', severity: 'general' });
  await R2.acknowledge(45 * MINUTE);
  const R3 = await desk.report(M1 + 9 * DAY + 14 * HOUR, { customerId: 'c-west', severity: 'general' });
  await R3.acknowledge(5 * MINUTE);
  await restoredAndRated(R3, 3);
  R4 = await desk.report(M1 + 16 * DAY + 11 * HOUR, { customerId: 'c-west', severity: 'general' });
  await R4.acknowledge(50 * MINUTE);
  const R5 = await desk.report(M1 + 20 * DAY + 8 * HOUR, { customerId: 'c-east', severity: 'general' });
  await R5.acknowledge(20 * MINUTE);
  const acceptedAt = iso(NOW + 30 * DAY - 365 * DAY).slice(0, 10);
  const asset = await app.service.post('/v1/assets', {
    assetId: 'lift-ending', customerId: 'c-east', name: 'Goods lift', kind: 'lift', acceptedAt, coverages: [{ category: 'other', years: 1 }], entitlements: { inspectionsPerYear: 1 },
  });
  expect(asset.status).toBe(201);
  // Every view has applied the scenario before the browser asks.
  for (const path of ['/v1/views/sla-compliance', '/v1/views/satisfaction']) expect((await askView(app.analyst, `${path}?minPosition=${desk.position}`)).status).toBe(200);
  expect((await askView(app.analyst, `/v1/views/warranty-archive?minPosition=${asset.body.position}`)).status).toBe(200);
  web = await openDashboardBrowser();
}, 180_000);

afterAll(async () => {
  await web?.close();
  await app?.stop();
}, 60_000);

describe('the analysts dashboard in a browser', () => {
  it('turns away a key of another role with a clear message, and an unknown key', async () => {
    await signIn(TEST_KEYS.service);
    await web.page.locator('#sign-in [role=alert]', { hasText: 'role that may not read the analysts' }).waitFor();
    await web.page.locator('#sign-in input[name=key]').fill('no-such-key-0123456789');
    await web.page.locator('#sign-in button[type=submit]').click();
    await web.page.locator('#sign-in [role=alert]', { hasText: 'does not know this key' }).waitFor();
    expect(await web.page.evaluate('sessionStorage.length')).toBe(0);
  }, 120_000);

  it('shows SLA compliance per month with the scenario numbers in its table, and the CSV of the view', async () => {
    await signIn(TEST_KEYS.admin);
    await pageReady('compliance');
    const rows = await tableText(web.page, '[data-table=compliance]');
    expect(rows[0]).toEqual(['Group', 'Total', 'Met', 'Breached', 'Running', 'Compliance', 'Target']);
    expect(rows.find((row) => row[0] === KEY1)).toEqual([KEY1, '5', '3', '2', '0', '60.0%', 'PT30M']);
    // The key is in sessionStorage only: never in the URL, never in a cookie.
    expect(web.page.url()).not.toContain(TEST_KEYS.admin);
    expect(await web.context.cookies()).toEqual([]);
    await web.screenshot('compliance');

    const [download] = await Promise.all([web.page.waitForEvent('download'), web.page.locator('[data-csv=compliance]').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const fromApi = await app.analyst.get(`/v1/views/sla-compliance?${csvQuery()}`);
    expect(csv).toBe(fromApi.text);
    expect(csv).toContain(`${KEY1},response,5,3,2,0,0.6,PT30M`);
  }, 120_000);

  it('goes from a breached bar to its tickets and from a ticket to its clock timeline', async () => {
    const chart = web.page.locator('[data-chart=compliance]');
    // The breached segment of the month's stacked bar sits between 3 (met) and 5 (met + breached).
    const point = await chart.evaluate((element, key) => (element as unknown as { chart: { convertToPixel(finder: object, value: unknown[]): number[] } }).chart.convertToPixel({ seriesIndex: 1 }, [key, 4]), KEY1);
    const box = (await chart.boundingBox())!;
    await web.page.mouse.click(box.x + point[0], box.y + point[1]);
    const tickets = web.page.locator('[data-table=breached-tickets]');
    await tickets.waitFor();
    const ids = await tickets.locator('[data-ticket]').evaluateAll((links) => links.map((link) => (link as unknown as { textContent: string }).textContent).sort());
    expect(ids).toEqual([R2.id, R4.id].sort());

    await tickets.locator(`[data-ticket="${R2.id}"]`).click();
    await pageReady('ticket');
    const timeline = await tableText(web.page, '[data-table=timeline]');
    expect(timeline[0]).toEqual(['Revision', 'At', 'Event', 'Clock', 'mark']);
    expect(timeline[1]).toEqual(['0', `${iso(R2.reportedAt).slice(0, 10)} ${iso(R2.reportedAt).slice(11, 16)}`, 'TicketReported', 'all clocks', 'started']);
    expect(timeline.find((row) => row[2] === 'ResponseAcknowledged')).toEqual(['1', `${iso(R2.at(45 * MINUTE)).slice(0, 10)} ${iso(R2.at(45 * MINUTE)).slice(11, 16)}`, 'ResponseAcknowledged', 'Response', 'stopped']);
    await web.screenshot('ticket');
  }, 120_000);

  it('shows satisfaction per kind against its target, with the scenario numbers', async () => {
    await web.page.locator('header a[href="#/satisfaction"]').click();
    await pageReady('satisfaction');
    const rows = await tableText(web.page, '[data-table=satisfaction]');
    expect(rows.find((row) => row[0] === KEY1 && row[1] === 'On-site')).toEqual([KEY1, 'On-site', '2', '1', '50.0%', '95.0%']);
    await web.screenshot('satisfaction');
  }, 120_000);

  it('shows the coverages ending soon and opens an asset archive', async () => {
    await web.page.locator('header a[href="#/warranty"]').click();
    await pageReady('warranty');
    const ending = await tableText(web.page, '[data-table=coverage-ending]');
    expect(ending.slice(1).map((row) => row[0])).toEqual(['lift-ending']);
    await web.page.locator('[data-table=coverage-ending] [data-asset=lift-ending]').click();
    await web.page.locator('#asset-archive h2', { hasText: 'lift-ending' }).waitFor();
    await web.screenshot('warranty');
  }, 120_000);

  it('shows a live alarm within 2 s of the report that raises it', async () => {
    await web.page.locator('header a[href="#/live"]').click();
    await web.page.locator('[data-stream=open]').waitFor({ timeout: 30_000 });
    // A major fault reported two hours late owes its alarms at once: the deadline follower raises
    // them, and the stream pushes them. The best of three tries counts, so one stall of a loaded
    // machine does not fail the test; every try must still arrive.
    const delays: number[] = [];
    for (let attempt = 0; attempt < 3 && !delays.some((delay) => delay <= 2_000); attempt++) {
      const answer = await app.service.post('/v1/tickets', { customerId: 'c-live', channel: 'phone', kind: 'fault', severity: 'major', summary: 'core switch down', at: iso(Date.now() - 2 * HOUR) });
      expect(answer.status).toBe(201);
      const started = Date.now();
      await web.page.locator(`[data-alarm][data-ticket="${answer.body.ticketId as string}"]`).first().waitFor({ timeout: 30_000 });
      delays.push(Date.now() - started);
    }
    process.stdout.write(`live alarm shown ${delays.join(' ms, ')} ms after the report's answer\n`);
    expect(Math.min(...delays)).toBeLessThanOrEqual(2_000);
    await web.screenshot('live');
  }, 180_000);

  it('switches its labels to Chinese and back', async () => {
    await web.page.locator('#language').click();
    await web.page.locator('header a[href="#/compliance"]', { hasText: 'SLA 达标率' }).waitFor();
    await web.page.locator('header a[href="#/compliance"]').click();
    await pageReady('compliance');
    expect((await tableText(web.page, '[data-table=compliance]'))[0]).toEqual(['分组', '合计', '达标', '超时', '计时中', '达标率', '时限']);
    await web.screenshot('compliance-zh');
    await web.page.locator('#language').click();
    await web.page.locator('header a[href="#/compliance"]', { hasText: 'SLA compliance' }).waitFor();
  }, 120_000);

  it('signs out: the key leaves sessionStorage and the sign-in form comes back', async () => {
    await web.page.locator('#sign-out').click();
    await web.page.locator('#sign-in').waitFor();
    expect(await web.page.evaluate('sessionStorage.length')).toBe(0);
  }, 60_000);

  it('lets an analyst in, and tells them the event history is for auditors', async () => {
    await signIn(TEST_KEYS.analyst);
    await pageReady('compliance');
    expect(await web.page.locator('.who').getAttribute('data-role')).toBe('analyst');
    await web.page.goto(`${dashboard()}#/ticket/${R4.id}`);
    await pageReady('ticket');
    expect(await web.page.locator('main .note').textContent()).toMatch(/auditor and admin/);
    await web.page.locator('#sign-out').click();
    await web.page.locator('#sign-in').waitFor();
  }, 120_000);

  it('logged no console error on any page', () => {
    expect(web.errors()).toEqual([]);
  });
});

/** The query the compliance page asks with its default filters, as CSV. */
function csvQuery(): string {
  const now = new Date();
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const from = day(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1));
  const to = day(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return `from=${from}&to=${to}&groupBy=month&metric=response&format=csv`;
}
