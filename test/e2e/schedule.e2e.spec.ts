import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { scheduleTicketId } from '@app/ticketing';
import { freePort } from '../support/app-process';
import { StoredRows } from '../support/stored-rows';
import { WebhookReceiver } from '../support/webhook-receiver';
import { askView, runCli, startViewsApp, type ViewsApp } from '../support/views-scenario';

/**
 * The schedule follower end to end: the built app as child processes with a clock the test sets
 * (CLOCK_NOW), the asset of issue 19 (accepted 2023-01-10 in Shanghai, one inspection a year,
 * two years of general coverage, so covered 2023-01-11 .. 2025-01-10), and its schedule events
 * read back from the SQLite store on disk.
 */

const SCHEDULE_TYPES = ['InspectionDue', 'InspectionOverdue', 'RevisitDue', 'RevisitOverdue', 'FirstVisitDue', 'CoverageEnding', 'CoverageEnded'];

const register = (app: ViewsApp, assetId: string, customerId = 'owner-19', extra: Record<string, unknown> = {}) =>
  app.service.post('/v1/assets', {
    assetId,
    customerId,
    name: 'Shanghai office fit-out',
    kind: 'renovation',
    acceptedAt: '2023-01-10',
    timeZone: 'Asia/Shanghai',
    coverages: [{ category: 'general', years: 2 }],
    entitlements: { inspectionsPerYear: 1 },
    at: '2023-01-10T10:00:00+08:00',
    ...extra,
  });

/** The schedule events in the asset's stream, in stream order, as `Type dueOn`. */
function scheduleEvents(app: ViewsApp, assetId: string) {
  return new StoredRows(join(app.dataDir, 'events.db'))
    .of(`asset-${assetId}`)
    .filter((row) => SCHEDULE_TYPES.includes(row.type))
    .map((row) => ({ row, data: JSON.parse(row.data) as { dueOn: string; at: string }, metadata: JSON.parse(row.metadata) as Record<string, any> }));
}

const brief = (events: ReturnType<typeof scheduleEvents>) => events.map((e) => `${e.row.type} ${e.data.dueOn}`);

async function eventually<T>(what: string, read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s; last seen ${JSON.stringify(value)}`);
    await new Promise((wait) => setTimeout(wait, 200));
    value = await read();
  }
  return value;
}

const pause = (ms: number) => new Promise((wait) => setTimeout(wait, ms));

describe('the schedule follower', () => {
  const apps: ViewsApp[] = [];
  afterAll(async () => {
    for (const app of apps.reverse()) await app.stop();
  });

  it('replayed to 2025-02-01 by two processes: one InspectionOverdue per missed year, the coverage notices and its end, each once; the view lists them', async () => {
    const env = { CLOCK_NOW: '2025-02-01T00:00:00Z', RUN_SCHEDULE_FOLLOWER: 'true' };
    const a = await startViewsApp(env);
    apps.push(a);
    const b = await startViewsApp(env, a.dataDir);
    apps.push(b);
    // Twenty more of the same, registered at once, so that both followers work through the same due
    // rows together and race on each append.
    const others = Array.from({ length: 20 }, (_, i) => `twin-${String(i).padStart(2, '0')}`);
    const registered = await Promise.all([register(a, 'shanghai-fitout'), ...others.map((id, i) => register(i % 2 ? a : b, id, 'owner-twins'))]);
    expect(registered.map((r) => r.status)).toEqual(registered.map(() => 201));

    const expected = [
      'InspectionDue 2023-01-11',
      'InspectionOverdue 2024-01-11',
      'InspectionDue 2024-01-11',
      'CoverageEnding 2024-12-11',
      'CoverageEnding 2025-01-03',
      'InspectionOverdue 2025-01-11',
      'CoverageEnded 2025-01-11',
    ];
    await eventually('the owed schedule events', () => scheduleEvents(a, 'shanghai-fitout').length, (n) => n >= expected.length);
    // Both followers have had several looks at the asset since: nothing more may come.
    await pause(4_000);
    for (const id of others) {
      await eventually(`the events of ${id}`, () => scheduleEvents(a, id).length, (n) => n >= expected.length);
    }
    await pause(2_000);
    for (const id of others) expect([id, brief(scheduleEvents(a, id))]).toEqual([id, expected]);
    const events = scheduleEvents(a, 'shanghai-fitout');
    expect(brief(events)).toEqual(expected);
    expect(events.map((e) => e.metadata.actor)).toEqual(expected.map(() => ({ name: 'schedule-follower', role: 'system' })));
    // Dated at local midnight in Shanghai, 16:00 UTC the day before.
    expect(events.find((e) => e.row.type === 'CoverageEnded')!.data.at).toBe('2025-01-10T16:00:00.000Z');

    const view = await eventually(
      'the schedule view',
      () => b.analyst.get('/v1/views/schedule?from=2023-01-01&to=2025-03-01&customerId=owner-19&limit=500'),
      (answer) => answer.status === 200 && answer.body.items.filter((i: { received: boolean }) => i.received).length === expected.length,
    );
    const rows = view.body.items.map((i: { type: string; dueOn: string; status: string; received: boolean }) => `${i.type} ${i.dueOn} ${i.status} ${i.received}`);
    expect(rows).toEqual([
      'InspectionDue 2023-01-11 overdue true',
      'InspectionOverdue 2024-01-11 overdue true',
      'InspectionDue 2024-01-11 overdue true',
      'CoverageEnding 2024-12-11 done true',
      'CoverageEnding 2025-01-03 done true',
      'InspectionOverdue 2025-01-11 overdue true',
      'CoverageEnded 2025-01-11 done true',
    ]);

    const inspections = await b.service.get('/v1/views/schedule?from=2024-01-01&to=2024-02-01&kind=inspection&customerId=owner-19');
    expect(inspections.status).toBe(200);
    expect(inspections.body.items.map((i: { type: string }) => i.type)).toEqual(['InspectionOverdue', 'InspectionDue']);
    // No asset belongs to a service unit yet: a unit's schedule is empty.
    const ofUnit = await b.service.get('/v1/views/schedule?from=2024-01-01&to=2024-02-01&kind=inspection&customerId=owner-19&serviceUnitId=unit-east');
    expect(ofUnit.body).toMatchObject({ total: 0, items: [] });

    const csv = await askView(a.analyst, '/v1/views/schedule?from=2025-01-01&to=2025-02-01&customerId=owner-19&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\r\n')).toEqual([
      'dueOn,assetId,customerId,kind,type,status,received,deadline,ticketId,at',
      '2025-01-03,shanghai-fitout,owner-19,coverage,CoverageEnding,done,true,2025-01-10,,2025-01-02T16:00:00.000Z',
      '2025-01-11,shanghai-fitout,owner-19,inspection,InspectionOverdue,overdue,true,2025-01-10,,2025-01-10T16:00:00.000Z',
      '2025-01-11,shanghai-fitout,owner-19,coverage,CoverageEnded,done,true,2025-01-10,,2025-01-10T16:00:00.000Z',
      '',
    ]);

    const archive = await a.api.as('auditor').get('/v1/views/warranty-archive/shanghai-fitout');
    expect(archive.status).toBe(200);
    expect(archive.body.schedule.map((r: { type: string; dueOn: string }) => `${r.type} ${r.dueOn}`)).toEqual(expected);
  }, 180_000);

  it('after a restart that spanned two due dates, appends what fell due meanwhile, in time order, once; webhooks deliver them', async () => {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    const webhooks = { RUN_SCHEDULE_FOLLOWER: 'true', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_ALLOW_HTTP: 'true' };
    const before = await startViewsApp({ ...webhooks, CLOCK_NOW: '2024-01-05T00:00:00Z' });
    apps.push(before);
    const hook = await before.api.as('admin').post('/v1/webhooks', { url: receiver.url, eventTypes: ['InspectionOverdue', 'CoverageEnding'], secret: 'schedule-hook-secret-0123' });
    expect(hook.status).toBe(201);
    expect((await register(before, 'restarted-fitout')).status).toBe(201);
    await eventually('the first inspection due', () => brief(scheduleEvents(before, 'restarted-fitout')), (e) => e.length >= 1);
    await pause(2_000);
    expect(brief(scheduleEvents(before, 'restarted-fitout'))).toEqual(['InspectionDue 2023-01-11']);
    await before.close();

    // Down from 2024-01-05 to 2024-12-20: the first year's end and the 30-day notice passed meanwhile.
    const after = await startViewsApp({ ...webhooks, CLOCK_NOW: '2024-12-20T00:00:00Z' }, before.dataDir);
    apps.push(after);
    const expected = ['InspectionDue 2023-01-11', 'InspectionOverdue 2024-01-11', 'InspectionDue 2024-01-11', 'CoverageEnding 2024-12-11'];
    await eventually('the events owed after the restart', () => scheduleEvents(after, 'restarted-fitout').length, (n) => n >= expected.length);
    await pause(3_000);
    const events = scheduleEvents(after, 'restarted-fitout');
    expect(brief(events)).toEqual(expected);
    // Appended in the order they fell due, each dated then, not at the restart.
    expect(events.map((e) => e.data.at)).toEqual([...events.map((e) => e.data.at)].sort());
    expect(events[3].data.at).toBe('2024-12-10T16:00:00.000Z');

    const upcoming = await eventually(
      'the schedule view after the restart',
      () => after.analyst.get('/v1/views/schedule?from=2024-12-01&to=2025-02-01&kind=coverage'),
      (answer) => answer.status === 200 && answer.body.items.some((i: { received: boolean }) => i.received),
    );
    expect(upcoming.body.items.map((i: { type: string; dueOn: string; status: string; received: boolean }) => `${i.type} ${i.dueOn} ${i.status} ${i.received}`)).toEqual([
      'CoverageEnding 2024-12-11 due true',
      'CoverageEnding 2025-01-03 due false',
      'CoverageEnded 2025-01-11 due false',
    ]);

    const delivered = await eventually('the webhook deliveries', () => receiver.bodies(), (bodies) => bodies.length >= 2);
    await receiver.stop();
    // At least once, in no promised order: the distinct deliveries.
    expect([...new Set(delivered.map((b: any) => `${b.event.type} ${b.event.data.dueOn} ${b.event.stream}`))].sort()).toEqual([
      'CoverageEnding 2024-12-11 asset-restarted-fitout',
      'InspectionOverdue 2024-01-11 asset-restarted-fitout',
    ]);

    // The view is a function of the log: rebuilt from zero, the same rows.
    await after.close();
    const rebuilt = await runCli(['rebuild', 'schedule', '--compare', '--json'], { DATA_DIR: after.dataDir });
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ projection: 'schedule', differences: 0 });
  }, 180_000);

  it('an asset asking for a first visit and inspection tickets, replayed to 2025-02-01 by two processes: FirstVisitDue once, one inspection ticket per window, the entitlement used once a year, no year overdue', async () => {
    const env = { CLOCK_NOW: '2025-02-01T00:00:00Z', RUN_SCHEDULE_FOLLOWER: 'true' };
    const a = await startViewsApp(env);
    apps.push(a);
    const b = await startViewsApp(env, a.dataDir);
    apps.push(b);
    const asks = { firstVisit: { afterDays: 30 }, autoTickets: ['inspection'] };
    const ids = ['auto-fitout', ...Array.from({ length: 5 }, (_, i) => `auto-twin-${i}`)];
    const answers = await Promise.all(ids.map((id, i) => register(i % 2 ? b : a, id, 'owner-auto', asks)));
    expect(answers.map((r) => r.status)).toEqual(ids.map(() => 201));

    const expected = [
      'InspectionDue 2023-01-11',
      'FirstVisitDue 2023-02-09',
      'InspectionDue 2024-01-11',
      'CoverageEnding 2024-12-11',
      'CoverageEnding 2025-01-03',
      'CoverageEnded 2025-01-11',
    ];
    for (const id of ids) await eventually(`the events of ${id}`, () => scheduleEvents(a, id).length, (n) => n >= expected.length);
    // Both followers have had several looks since: nothing more may come.
    await pause(4_000);
    const rows = new StoredRows(join(a.dataDir, 'events.db'));
    for (const id of ids) {
      expect([id, brief(scheduleEvents(a, id))]).toEqual([id, expected]);
      const windows = ['InspectionDue:1:2023-01-11', 'InspectionDue:2:2024-01-11'].map((key) => scheduleTicketId(id, key));
      const used = rows.of(`asset-${id}`).filter((row) => row.type === 'EntitlementConsumed').map((row) => JSON.parse(row.data) as { entitlement: string; ticketId: string; year: number });
      expect([id, used.map((u) => `${u.entitlement} ${u.year} ${u.ticketId}`)]).toEqual([id, [`inspection 1 ${windows[0]}`, `inspection 2 ${windows[1]}`]]);
      for (const ticketId of windows) {
        const reported = rows.of(`ticket-${ticketId}`).filter((row) => row.type === 'TicketReported');
        expect([ticketId, reported.length]).toEqual([ticketId, 1]);
      }
    }
    const first = JSON.parse(rows.of(`ticket-${scheduleTicketId('auto-fitout', 'InspectionDue:1:2023-01-11')}`)[0].data) as Record<string, unknown>;
    expect(first).toMatchObject({ customerId: 'owner-auto', assetId: 'auto-fitout', kind: 'inspection', channel: 'onsite', severity: 'general', at: '2023-01-10T16:00:00.000Z' });
    // The summary is personal data, stored sealed (see Personal data): read it opened, through the API.
    expect(first.summary).toMatchObject({ $enc: 'v1' });
    const opened = await a.service.get(`/v1/tickets/${scheduleTicketId('auto-fitout', 'InspectionDue:1:2023-01-11')}`);
    expect(opened.body.summary).toContain('coverage year 1 (2023-01-11 to 2024-01-10)');

    const view = await eventually(
      'the schedule view with the tickets',
      () => b.analyst.get('/v1/views/schedule?from=2023-01-01&to=2025-03-01&customerId=owner-auto&kind=inspection&limit=500'),
      (answer) => answer.status === 200 && answer.body.items.length === 2 * ids.length && answer.body.items.every((i: { ticketId: string | null }) => i.ticketId !== null),
    );
    const mine = view.body.items.filter((i: { assetId: string }) => i.assetId === 'auto-fitout');
    expect(mine.map((i: { type: string; dueOn: string; status: string; ticketId: string }) => `${i.type} ${i.dueOn} ${i.status} ${i.ticketId}`)).toEqual([
      `InspectionDue 2023-01-11 done ${scheduleTicketId('auto-fitout', 'InspectionDue:1:2023-01-11')}`,
      `InspectionDue 2024-01-11 done ${scheduleTicketId('auto-fitout', 'InspectionDue:2:2024-01-11')}`,
    ]);
    const visits = await askView(a.analyst, '/v1/views/schedule?from=2023-01-01&to=2023-03-01&customerId=owner-auto&kind=revisit&limit=500');
    expect(visits.body.items.filter((i: { assetId: string }) => i.assetId === 'auto-fitout').map((i: { type: string; dueOn: string; status: string }) => `${i.type} ${i.dueOn} ${i.status}`)).toEqual([
      'FirstVisitDue 2023-02-09 overdue',
    ]);

    // A revisit is an asset ticket that uses no entitlement: reported by hand, it leaves the inspections as they were.
    const revisit = { customerId: 'owner-auto', channel: 'phone', kind: 'revisit', severity: 'general', summary: 'owner asks for the first visit' };
    expect((await a.service.post('/v1/tickets', revisit)).status).toBe(400);
    expect((await a.service.post('/v1/tickets', { ...revisit, assetId: 'auto-fitout' })).status).toBe(201);
    expect(rows.of('asset-auto-fitout').filter((row) => row.type === 'EntitlementConsumed')).toHaveLength(2);

    const refused = await register(a, 'auto-bad', 'owner-auto', { autoTickets: ['inspection', 'fault'], firstVisit: { afterDays: -1 } });
    expect(refused.status).toBe(400);
  }, 180_000);

  it('refuses a period that ends before it starts and a kind it does not know; auditors may not read it', async () => {
    const app = apps[0];
    const backwards = await app.analyst.get('/v1/views/schedule?from=2025-02-01&to=2025-01-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body.code).toBe('VALIDATION_FAILED');
    expect((await app.analyst.get('/v1/views/schedule?kind=deposit')).status).toBe(400);
    expect((await app.analyst.get('/v1/views/schedule?from=2025-02-30')).status).toBe(400);
    expect((await app.api.as('auditor').get('/v1/views/schedule')).status).toBe(403);
  });
});
