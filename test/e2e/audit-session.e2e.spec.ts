import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { bodies, expectOk, reportBody, startTestApp, timeline, type TestApp } from './harness';

/**
 * An auditor's session from start to verdict, as docs/audit.md shows it: find a customer's ticket in
 * the log, read its history, replay it as it stood at a moment, verify the whole store, export it.
 * Every step is `ticket-audit` on the compiled CLI, beside the running API.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ticket-audit <args>`: the compiled CLI with only PATH and DATA_DIR in its environment. */
async function ticketAudit(...args: string[]): Promise<Run> {
  const main = resolve(process.cwd(), 'dist/apps/cli/src/main.js');
  // Waits a little for dist/ while a `nest build` in another shell rewrites it.
  for (let waited = 0; !existsSync(main) && waited < 60_000; waited += 250) await new Promise((done) => setTimeout(done, 250));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: app.dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe("an auditor's session", () => {
  it('finds the ticket, reads its history, replays it as of a moment, verifies the store and exports it', async () => {
    const t = timeline(3);
    const sessionStart = new Date().toISOString();
    const service = app.api.as('service');
    // What happened, through the API: a network fault at ACME's head office, a consultation of
    // another customer in between, and ACME's ticket closed after an on-site repair.
    const acme = '0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01';
    expectOk(await service.post('/v1/tickets', reportBody({ ticketId: acme, customerId: 'acme-hq', summary: 'Core switch drops packets', at: t.at(0) })), 201);
    const other = expectOk(await service.post('/v1/tickets', reportBody({ customerId: 'globex', kind: 'consultation', severity: 'general', at: t.at(2) })), 201).body.ticketId;
    expectOk(await service.post(`/v1/tickets/${other}/acknowledge`, bodies.acknowledge({ at: t.at(3) })));
    const steps: Array<[string, Record<string, unknown>]> = [
      ['acknowledge', bodies.acknowledge({ at: t.at(5) })],
      ['dispatch', bodies.dispatch('eng-li', 'onsite', { at: t.at(10) })],
      ['arrive', bodies.arrive('eng-li', { at: t.at(35) })],
      ['restore', bodies.restore({ at: t.at(50) })],
      ['report', bodies.report({ at: t.at(70) })],
      ['close', bodies.close({ at: t.at(90) })],
    ];
    for (const [verb, body] of steps) expectOk(await service.post(`/v1/tickets/${acme}/${verb}`, body));
    const total = 9;

    // 1. Find the ticket: the report events of the customer in the exported log.
    //    $ ticket-audit export | grep '"type":"TicketReported"' | grep '"customerId":"acme-hq"'
    const log = await ticketAudit('export');
    expect(log.code).toBe(0);
    const reports = lines(log.stdout).filter((line) => line.includes('"type":"TicketReported"') && line.includes('"customerId":"acme-hq"'));
    expect(reports).toHaveLength(1);
    const found = JSON.parse(reports[0]);
    expect(found).toMatchObject({ stream: `ticket-${acme}`, revision: 0, type: 'TicketReported', data: { ticketId: acme, customerId: 'acme-hq' } });

    // 2. Its history: every event, who caused it, when, and its hash.
    //    $ ticket-audit history 0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01
    const history = await ticketAudit('history', found.data.ticketId);
    expect(history.code).toBe(0);
    const [title, ...events] = lines(history.stdout);
    expect(title).toBe(`ticket-${acme}: 7 events`);
    expect(events.map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      ['#0', 'TicketReported', 'at', t.at(0)],
      ['#1', 'ResponseAcknowledged', 'at', t.at(5)],
      ['#2', 'EngineerDispatched', 'at', t.at(10)],
      ['#3', 'EngineerArrived', 'at', t.at(35)],
      ['#4', 'Restored', 'at', t.at(50)],
      ['#5', 'ReportFiled', 'at', t.at(70)],
      ['#6', 'TicketClosed', 'at', t.at(90)],
    ]);
    for (const line of events) expect(line).toMatch(/ by service:\S+ recorded \S+Z hash [0-9a-f]{12}$/);

    // 3. The ticket as it stood 20 minutes after the report: the engineer on the way, the
    //    response met, on-site resolution a third used.
    //    $ ticket-audit state 0b3c3a8e-... --as-of <report + 20 min>
    const asOf = await ticketAudit('state', acme, '--as-of', t.at(20));
    expect(asOf.code).toBe(0);
    expect(lines(asOf.stdout)).toEqual([
      `ticket ${acme} at ${t.at(20)} (revision 2): acknowledged, major, fault`,
      `  response          met      due ${t.at(30)}  16.67% of PT30M`,
      `  onsiteResolution  running  due ${t.at(60)}  33.33% of PT1H`,
      `  restoration       running  due ${t.at(480)}  4.17% of PT8H`,
    ]);
    // And at the close: every clock stopped, met.
    const closed = await ticketAudit('state', acme, '--revision', '6');
    expect(lines(closed.stdout)).toEqual([
      `ticket ${acme} at ${t.at(90)} (revision 6): closed, major, fault`,
      `  response          met      due ${t.at(30)}  16.67% of PT30M`,
      `  onsiteResolution  met      due ${t.at(60)}  83.33% of PT1H`,
      `  restoration       met      due ${t.at(480)}  10.42% of PT8H`,
      `  report            met      due ${t.at(50 + 24 * 60)}  1.39% of PT24H`,
    ]);

    // 4. The verdict on the whole store: no event changed, removed or reordered.
    //    $ ticket-audit verify
    const verdict = await ticketAudit('verify');
    expect(verdict.code).toBe(0);
    expect(verdict.stdout).toMatch(new RegExp(`^OK: ${total} events in 2 streams checked in \\d+\\.\\d s\\n$`));

    // 5. The archive: everything recorded since the session began, as JSON Lines with hashes.
    //    $ ticket-audit export --from <time> > audit.jsonl
    const archive = await ticketAudit('export', '--from', sessionStart);
    expect(archive.code).toBe(0);
    expect(archive.stderr).toContain(`exported ${total} of ${total} events`);
    const exported = lines(archive.stdout).map((line) => JSON.parse(line));
    expect(exported).toHaveLength(total);
    expect(exported.map((e) => Number(e.position))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const acmeEvents = exported.filter((e) => e.stream === `ticket-${acme}`);
    expect(acmeEvents.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Each exported event chains to the one before it in its stream, and the history's hashes are the export's.
    for (let i = 1; i < acmeEvents.length; i++) expect(acmeEvents[i].metadata.previousHash).toBe(acmeEvents[i - 1].hash);
    expect(events.map((line) => line.slice(-12))).toEqual(acmeEvents.map((e) => e.hash.slice(0, 12)));
  }, 60_000);
});
