import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Client } from '../support/http-client';
import { expectOk, FULL_PATH_MINUTES, FULL_PATH_TYPES, fullPathSteps, reportBody, startTestApp, storedEvents, timeline, type TestApp } from './harness';

/**
 * What an auditor reads over HTTP (the service contract): the full history of a ticket and of an
 * asset, every event with its revision, position, type, data, metadata and hash, paged; the ticket
 * replayed to every revision and to moments between events, with its clocks as they were then.
 */
let app: TestApp;
let service: Client;
let auditor: Client;

beforeAll(async () => {
  app = await startTestApp();
  service = app.api.as('service');
  auditor = app.api.as('auditor');
});
afterAll(async () => {
  await app?.stop();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;
const MINUTE = 60_000;

/**
 * The chain as audit-chain.ts documents it, written again here so that the test does not check
 * the code with itself: SHA-256 of the previous hash, a newline and the canonical JSON of
 * { data, metadata without hash, previousHash and seal, revision, stream, type }, keys sorted.
 */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const object = value as Record<string, unknown>;
  return `{${Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`)
    .join(',')}}`;
}
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
function expectedHash(previousHash: string, stream: string, event: { revision: number; type: string; data: unknown; metadata: Record<string, unknown> }): string {
  const { hash: _hash, previousHash: _previous, seal: _seal, ...metadata } = event.metadata;
  return sha256(`${previousHash}\n${canonical({ data: event.data, metadata, revision: event.revision, stream, type: event.type })}`);
}

/** Checks that a stream's events chain from the genesis value, each hash recomputed from its content. */
function expectChained(stream: string, events: Array<{ revision: number; type: string; data: unknown; metadata: Record<string, any>; hash: string | null }>): void {
  let previous = sha256(`genesis:${stream}`);
  for (const event of events) {
    expect(event.metadata.previousHash).toBe(previous);
    expect(event.hash).toBe(event.metadata.hash);
    expect(event.hash).toBe(expectedHash(previous, stream, event));
    previous = event.hash!;
  }
}

/** The rows of one stream as the SQLite file holds them, ordered by revision. */
function rowsOf(stream: string): Array<Record<string, any>> {
  const db = new Database(join(app.dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM events WHERE stream = ? ORDER BY revision').all(stream) as Array<Record<string, any>>;
  } finally {
    db.close();
  }
}

/** What open clocks measure at the moment they are evaluated: left out when two moments are compared. */
const MOMENT_FIELDS = ['state', 'dueAt', 'elapsedMs', 'pausedMs', 'percentUsed', 'warningThresholdsPassed', 'explanation'];
function withoutMoment(view: Record<string, any>): Record<string, any> {
  const { asOf: _asOf, ...rest } = view;
  return {
    ...rest,
    clocks: (view.clocks as Array<Record<string, any>>).map((clock) =>
      clock.stoppedAt === null ? Object.fromEntries(Object.entries(clock).filter(([key]) => !MOMENT_FIELDS.includes(key))) : clock,
    ),
  };
}
const clockOf = (view: Record<string, any>, metric: string) => (view.clocks as Array<Record<string, any>>).find((clock) => clock.metric === metric);

describe('the history and replay of a fault from report to close', () => {
  const t = timeline(3);
  const minutes = FULL_PATH_MINUTES;
  const types = FULL_PATH_TYPES;
  let id: string;
  let stream: string;
  /** The command answers, and GET /v1/tickets/:id right after each command. */
  const answers: Array<Record<string, any>> = [];
  const views: Array<Record<string, any>> = [];

  beforeAll(async () => {
    const reported = expectOk(await service.post('/v1/tickets', reportBody({ at: t.at(0) })), 201);
    id = reported.body.ticketId;
    stream = `ticket-${id}`;
    answers.push(reported.body);
    views.push(expectOk(await service.get(`/v1/tickets/${id}`)).body);
    const steps: Array<[string, Record<string, unknown>, Record<string, string>?]> = fullPathSteps(t).map(([verb, body]) => {
      // One command with the caller's correlation id and idempotency key: both must reach the history.
      if (verb === 'restore') return [verb, body, { 'x-correlation-id': 'call-centre-4711', 'idempotency-key': 'restore-4711' }];
      if (verb === 'satisfaction') return [verb, { ...body, comment: 'Quick and tidy' }];
      return [verb, body];
    });
    for (const [verb, body, headers] of steps) {
      const answer = expectOk(await service.post(`/v1/tickets/${id}/${verb}`, body, headers));
      // One event per command on this path: the answer's revision is the command's index.
      expect(answer.body.revision).toBe(answers.length);
      answers.push(answer.body);
      views.push(expectOk(await service.get(`/v1/tickets/${id}`)).body);
    }
  });

  it('lists every event with its revision, position, type, data, metadata and hash, exactly as stored', async () => {
    const answer = expectOk(await auditor.get(`/v1/tickets/${id}/history?sealed=true`));
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const { events, ...page } = answer.body;
    expect(page).toEqual({ ticketId: id, stream, nextRevision: null });
    expect(events).toHaveLength(13);
    expect(events.map((e: any) => e.revision)).toEqual(minutes.map((_, i) => i));
    expect(events.map((e: any) => e.type)).toEqual(types);
    expect(events.map((e: any) => e.data.at)).toEqual(minutes.map((m) => t.at(m)));
    // The positions are the ones the commands answered, increasing.
    expect(events.map((e: any) => e.position)).toEqual(answers.map((a) => a.position));
    const positions = events.map((e: any) => BigInt(e.position));
    for (let i = 1; i < positions.length; i++) expect(positions[i] > positions[i - 1]).toBe(true);

    // Each event as the store holds it, nothing left out or added.
    const stored = storedEvents(app.dataDir, id);
    expect(events).toEqual(
      stored.map((s) => ({
        id: s.eventId,
        revision: s.revision,
        position: String(s.position),
        type: s.type,
        data: s.data,
        metadata: s.metadata,
        recordedAt: s.metadata.recordedAt,
        storedAt: s.recordedAt,
        hash: s.metadata.hash,
      })),
    );

    for (const event of events) {
      expect(event.id).toMatch(UUID);
      expect(event.recordedAt).toMatch(ISO_UTC);
      expect(event.hash).toMatch(HEX64);
      expect(event.metadata).toMatchObject({
        commandId: expect.any(String),
        correlationId: expect.any(String),
        causationId: expect.any(String),
        actor: { name: expect.any(String), role: 'service' },
        recordedAt: expect.stringMatching(ISO_UTC),
        schemaVersion: 1,
        previousHash: expect.stringMatching(HEX64),
        hash: event.hash,
        // The API's seal of the hash (see "Tamper evidence").
        seal: expect.stringMatching(HEX64),
      });
      // The server's recording time, not the business time the client gave (hours earlier).
      expect(Date.parse(event.metadata.recordedAt)).toBeGreaterThan(Date.parse(event.data.at) + 30 * MINUTE);
    }
    // What the caller sent as headers, on the restore (revision 8) and nowhere else.
    expect(events[8].metadata).toMatchObject({ correlationId: 'call-centre-4711', commandId: 'restore-4711' });
    expect(events[7].metadata.correlationId).not.toBe('call-centre-4711');
    expect(events.filter((e: any) => e.metadata.commandId === 'restore-4711')).toHaveLength(1);

    // The data says what happened, in the domain's words.
    expect(events[0].data).toMatchObject({ ticketId: id, customerId: 'customer-042', kind: 'fault', severity: 'major', policyId: 'it-support-plan', policyVersion: 1 });
    expect(events[2].data).toEqual({ engineerId: 'eng-li', tier: 'onsite', escalation: false, at: t.at(10) });
    expect(events[4].data).toEqual({ engineerId: 'eng-wang', tier: 'senior', escalation: true, at: t.at(30) });
    expect(events[6].data).toMatchObject({ reason: 'awaiting-parts' });
    expect(events[8].data).toMatchObject({ by: 'eng-li', resolution: 'Replaced the line card' });
    // Personal data as stored: sealed under the customer's key (PERSONAL_FIELDS); opened by default.
    expect(events[10].data).toMatchObject({ kind: 'onsite', score: 5, comment: { $enc: 'v1', kid: expect.any(String) } });
    expect(events[12].data).toMatchObject({ by: 'desk-agent-7' });
    const opened = expectOk(await auditor.get(`/v1/tickets/${id}/history`)).body.events;
    expect(opened[10].data).toMatchObject({ kind: 'onsite', score: 5, comment: 'Quick and tidy' });
    expect(opened.map((e: any) => e.hash)).toEqual(events.map((e: any) => e.hash));
  });

  it('chains every event to the one before it: each hash recomputed from the event as the history shows it', async () => {
    // As stored: the personal fields sealed, as the hashes cover them.
    const { events } = expectOk(await auditor.get(`/v1/tickets/${id}/history?sealed=true`)).body;
    expectChained(stream, events);
    expect(new Set(events.map((e: any) => e.hash)).size).toBe(13);
  });

  it('pages with fromRevision and limit, and nextRevision leads to the next page until it is null', async () => {
    const full = expectOk(await auditor.get(`/v1/tickets/${id}/history`)).body.events;
    const pages: Array<Record<string, any>> = [];
    let next: number | null = 0;
    while (next !== null) {
      const page: Record<string, any> = expectOk(await auditor.get(`/v1/tickets/${id}/history?fromRevision=${next}&limit=5`)).body;
      pages.push(page);
      next = page.nextRevision;
    }
    expect(pages.map((p) => p.events.map((e: any) => e.revision))).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
      [10, 11, 12],
    ]);
    expect(pages.map((p) => p.nextRevision)).toEqual([5, 10, null]);
    expect(pages.flatMap((p) => p.events)).toEqual(full);
    for (const page of pages) expect(page).toMatchObject({ ticketId: id, stream });

    // A page that ends exactly at the last event has no next page; one past the end is empty.
    expect(expectOk(await auditor.get(`/v1/tickets/${id}/history?limit=13`)).body).toMatchObject({ nextRevision: null });
    expect(expectOk(await auditor.get(`/v1/tickets/${id}/history?limit=12`)).body.nextRevision).toBe(12);
    expect(expectOk(await auditor.get(`/v1/tickets/${id}/history?fromRevision=12&limit=1`)).body.events.map((e: any) => e.type)).toEqual(['TicketClosed']);
    expect(expectOk(await auditor.get(`/v1/tickets/${id}/history?fromRevision=13`)).body).toEqual({ ticketId: id, stream, events: [], nextRevision: null });
    // The id is read in any letter case, as everywhere else.
    expect(expectOk(await auditor.get(`/v1/tickets/${id.toUpperCase()}/history?limit=1`)).body).toMatchObject({ ticketId: id, stream, nextRevision: 1 });
  });

  it('refuses bad paging parameters with 400 problem details', async () => {
    for (const query of ['limit=0', 'limit=1001', 'fromRevision=-1', 'fromRevision=x', 'limit=2.5', 'foo=1']) {
      const answer = await auditor.get(`/v1/tickets/${id}/history?${query}`);
      expect({ query, status: answer.status, type: answer.headers.get('content-type') }).toEqual({
        query,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(answer.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await auditor.get('/v1/tickets/not-a-uuid/history')).status).toBe(400);
  });

  it('replays every revision N to the state after command N+1, the same as the ticket read then, apart from what open clocks measure at the moment', async () => {
    for (let revision = 0; revision < 13; revision++) {
      const answer = expectOk(await auditor.get(`/v1/tickets/${id}/state?revision=${revision}`));
      const replayed = answer.body;
      expect({ revision, asOf: replayed.asOf, at: replayed.revision }).toEqual({ revision, asOf: t.at(minutes[revision]), at: revision });
      expect(withoutMoment(replayed)).toEqual(withoutMoment(views[revision]));
      // The state field by field, not only the whole: the status each step leads to.
      expect(replayed.lastEventAt).toBe(t.at(minutes[revision]));
    }
    const statuses = [];
    for (let revision = 0; revision < 13; revision++) statuses.push((await auditor.get(`/v1/tickets/${id}/state?revision=${revision}`)).body.status);
    expect(statuses).toEqual(['reported', 'acknowledged', 'acknowledged', 'acknowledged', 'acknowledged', 'acknowledged', 'acknowledged', 'acknowledged', 'restored', 'restored', 'restored', 'restored', 'closed']);
  });

  it("evaluates the replayed clocks at that event's business time, not at the time of the query", async () => {
    for (let revision = 0; revision < 13; revision++) {
      const replayed = expectOk(await auditor.get(`/v1/tickets/${id}/state?revision=${revision}`)).body;
      const at = Date.parse(t.at(minutes[revision]));
      for (const clock of replayed.clocks) {
        // Round the clock (24x7): running and held time add up to the time from start to the stop or to the event.
        const end = clock.stoppedAt === null ? at : Date.parse(clock.stoppedAt);
        expect({ revision, metric: clock.metric, measured: clock.elapsedMs + clock.pausedMs }).toEqual({
          revision,
          metric: clock.metric,
          measured: end - Date.parse(clock.startedAt),
        });
      }
      // The same moment asked for by time gives the same clocks.
      const byTime = expectOk(await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(t.at(minutes[revision]))}`)).body;
      expect(byTime).toEqual(replayed);
    }

    const at = async (revision: number) => expectOk(await auditor.get(`/v1/tickets/${id}/state?revision=${revision}`));
    // Revision 0, the report: response, on-site resolution and restoration start at zero.
    const reported = (await at(0)).body;
    expect(reported.clocks.map((c: any) => [c.metric, c.state, c.elapsedMs, c.dueAt])).toEqual([
      ['response', 'running', 0, t.at(30)],
      ['onsiteResolution', 'running', 0, t.at(60)],
      ['restoration', 'running', 0, t.at(480)],
    ]);
    // Revision 3, the on-site arrival at minute 25: 25 of 60 minutes used, running. Read at the
    // time of the command (hours later) the same open clock was already breached.
    expect(clockOf((await at(3)).body, 'onsiteResolution')).toMatchObject({ state: 'running', elapsedMs: 25 * MINUTE, pausedMs: 0, percentUsed: 41.67, dueAt: t.at(60) });
    expect(clockOf(views[3], 'onsiteResolution')).toMatchObject({ state: 'breached', stoppedAt: null });
    // Revision 6, paused at minute 55: held with 5 minutes left, the due time counted from the pause.
    const paused = (await at(6)).body;
    expect(paused.paused).toEqual({ reason: 'awaiting-parts', since: t.at(55) });
    expect(clockOf(paused, 'onsiteResolution')).toMatchObject({
      state: 'paused',
      elapsedMs: 55 * MINUTE,
      pausedMs: 0,
      dueAt: t.at(60),
      percentUsed: 91.67,
      warningThresholdsPassed: [0.5, 0.75],
      stoppedAt: null,
    });
    expect(clockOf(paused, 'seniorArrival')).toMatchObject({ state: 'met', startedAt: t.at(30), stoppedAt: t.at(50), elapsedMs: 20 * MINUTE });
    // Revision 7, resumed at minute 65 after 10 minutes held: due at 70, past the warnings.
    expect(clockOf((await at(7)).body, 'onsiteResolution')).toMatchObject({ state: 'warning', elapsedMs: 55 * MINUTE, pausedMs: 10 * MINUTE, dueAt: t.at(70) });
    // Revision 8, restored at minute 80: 70 minutes used of 60, breached; the report clock starts.
    const restored = (await at(8)).body;
    expect(clockOf(restored, 'onsiteResolution')).toMatchObject({ state: 'breached', stoppedAt: t.at(80), elapsedMs: 70 * MINUTE, pausedMs: 10 * MINUTE, dueAt: t.at(70) });
    expect(clockOf(restored, 'restoration')).toMatchObject({ state: 'met', stoppedAt: t.at(80), elapsedMs: 70 * MINUTE });
    expect(clockOf(restored, 'report')).toMatchObject({ state: 'running', startedAt: t.at(80), elapsedMs: 0, dueAt: t.at(80 + 24 * 60) });
    // Revision 9, the report filed at minute 90: 10 minutes of 24 hours.
    expect(clockOf((await at(9)).body, 'report')).toMatchObject({ state: 'met', stoppedAt: t.at(90), elapsedMs: 10 * MINUTE });
  });

  it('replays to a moment between two events as the earlier state, with the clocks at that moment', async () => {
    // Minute 20: after the on-site dispatch (10), before the arrival (25).
    const between = expectOk(await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(t.at(20))}`)).body;
    expect(between).toMatchObject({ revision: 2, asOf: t.at(20), status: 'acknowledged', lastEventAt: t.at(10) });
    expect(between.dispatches).toEqual([{ engineerId: 'eng-li', tier: 'onsite', escalation: false, dispatchedAt: t.at(10), arrivedAt: null, stoodDownAt: null }]);
    const revision2 = expectOk(await auditor.get(`/v1/tickets/${id}/state?revision=2`)).body;
    expect(withoutMoment(between)).toEqual(withoutMoment(revision2));
    expect(clockOf(between, 'onsiteResolution')).toMatchObject({ state: 'running', elapsedMs: 20 * MINUTE, percentUsed: 33.33 });
    expect(clockOf(revision2, 'onsiteResolution')).toMatchObject({ elapsedMs: 10 * MINUTE });

    // The same instant written in +08:00 is the same moment; the answer names it in UTC.
    expect(expectOk(await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(t.inZone(20, '+08:00'))}`)).body).toEqual(between);
    // An event at exactly the moment is included; a millisecond before, it is not.
    expect(expectOk(await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(t.at(25))}`)).body.revision).toBe(3);
    const justBefore = new Date(Date.parse(t.at(25)) - 1).toISOString();
    expect(expectOk(await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(justBefore)}`)).body.revision).toBe(2);
    // Inside the pause (minute 60): paused, the on-site clock held since minute 55.
    const inPause = expectOk(await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(t.at(60))}`)).body;
    expect(inPause).toMatchObject({ revision: 6, paused: { reason: 'awaiting-parts', since: t.at(55) } });
    expect(clockOf(inPause, 'onsiteResolution')).toMatchObject({ state: 'paused', elapsedMs: 55 * MINUTE, pausedMs: 5 * MINUTE, dueAt: t.at(65) });
    // After the last event: the final state.
    const now = new Date().toISOString();
    const final = expectOk(await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(now)}`)).body;
    expect(final).toMatchObject({ revision: 12, status: 'closed', closedAt: t.at(110) });
    expect(withoutMoment(final)).toEqual(withoutMoment(views[12]));
  });

  it('answers 404 before the report and past the last revision, 400 for both or neither parameter or a bad one', async () => {
    const beforeReport = await auditor.get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(new Date(Date.parse(t.at(0)) - 1).toISOString())}`);
    expect(beforeReport.status).toBe(404);
    expect(beforeReport.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(beforeReport.body.code).toBe('TICKET_NOT_FOUND');

    const pastEnd = await auditor.get(`/v1/tickets/${id}/state?revision=13`);
    expect(pastEnd.status).toBe(404);
    expect(pastEnd.body).toMatchObject({ status: 404, code: 'REVISION_NOT_FOUND' });
    expect(pastEnd.body.detail).toContain('0 to 12');

    const unknown = await auditor.get('/v1/tickets/11111111-2222-4333-8444-555555555555/state?revision=0');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('TICKET_NOT_FOUND');

    const neither = await auditor.get(`/v1/tickets/${id}/state`);
    const both = await auditor.get(`/v1/tickets/${id}/state?revision=1&asOf=${encodeURIComponent(t.at(20))}`);
    for (const answer of [neither, both]) {
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'give exactly one of revision and asOf' });
    }
    for (const query of ['revision=-1', 'revision=1.5', 'revision=x', 'asOf=yesterday', 'asOf=2026-01-01T00:00:00', 'asOf=2026-01-01']) {
      const answer = await auditor.get(`/v1/tickets/${id}/state?${query}`);
      expect({ query, status: answer.status, code: answer.body?.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('lets only auditors and admins read histories and replays', async () => {
    for (const path of [`/v1/tickets/${id}/history`, `/v1/tickets/${id}/state?revision=0`]) {
      expect((await auditor.get(path)).status).toBe(200);
      expect((await app.api.as('admin').get(path)).status).toBe(200);
      for (const role of ['service', 'analyst'] as const) {
        const refused = await app.api.as(role).get(path);
        expect({ path, role, status: refused.status, code: refused.body.code }).toEqual({ path, role, status: 403, code: 'FORBIDDEN' });
        expect(refused.body.events).toBeUndefined();
      }
      expect((await app.api.get(path)).status).toBe(401);
      expect((await app.api.withKey('auditor-key-but-wrong-0000').get(path)).status).toBe(401);
    }
  });

  it('answers 404 for the history of a ticket that does not exist', async () => {
    const unknown = await auditor.get('/v1/tickets/11111111-2222-4333-8444-555555555555/history');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers 404 for the history of a ticket that does not exist, whatever page is asked for', async () => {
    const unknown = await auditor.get('/v1/tickets/11111111-2222-4333-8444-555555555555/history?fromRevision=3');
    expect(unknown.status).toBe(404);
  });
});

describe('the history of an asset', () => {
  const t = timeline(2);
  const assetId = 'audit-hq-renovation';
  const stream = `asset-${assetId}`;
  const answers: Array<Record<string, any>> = [];

  beforeAll(async () => {
    const registered = await service.post('/v1/assets', {
      assetId,
      customerId: 'owner-1',
      name: 'HQ office renovation',
      kind: 'renovation',
      acceptedAt: '2025-06-30',
      coverages: [
        { category: 'waterproofing', years: 5 },
        { category: 'other', years: 2 },
      ],
      entitlements: { relocation: 1, rebuild: 1, inspectionsPerYear: 1 },
      contract: { number: 'WC-2025-0630', signedAt: '2025-06-30' },
      at: t.at(0),
    });
    answers.push(expectOk(registered, 201).body);
    const base = `/v1/assets/${assetId}`;
    answers.push(expectOk(await service.post(`${base}/coverages/extend`, { category: 'other', years: 1, approvedBy: 'service-manager', reason: 'goodwill', at: t.at(10) })).body);
    answers.push(expectOk(await service.post(`${base}/inspections`, { inspectedOn: '2026-06-15', by: 'eng-li', report: 'roof intact', at: t.at(20) })).body);
    answers.push(expectOk(await service.post(`${base}/revisits/plan`, { dueOn: '2026-12-15', purpose: 'after the rainy season', at: t.at(30) })).body);
    answers.push(expectOk(await service.post(`${base}/deposits`, { kind: 'payment', amount: 20000, reference: 'DEP-1', at: t.at(40) })).body);
  });

  it('lists every event with revision, position, type, data, metadata and hash, chained like a ticket', async () => {
    const answer = expectOk(await auditor.get(`/v1/assets/${assetId}/history`));
    const { events, ...page } = answer.body;
    expect(page).toEqual({ assetId, stream, nextRevision: null });
    expect(events.map((e: any) => e.revision)).toEqual([0, 1, 2, 3, 4]);
    expect(events.map((e: any) => e.position)).toEqual(answers.map((a) => a.position));
    expect(answers.map((a) => a.revision)).toEqual([0, 1, 2, 3, 4]);
    expect(events.map((e: any) => e.data.at)).toEqual([0, 10, 20, 30, 40].map((m) => t.at(m)));
    expect(events[0].data).toMatchObject({ assetId, customerId: 'owner-1', acceptedAt: '2025-06-30' });
    expect(events[1].data).toMatchObject({ category: 'other', years: 1, approvedBy: 'service-manager' });
    expect(events[4].data).toMatchObject({ kind: 'payment', amount: 20000, reference: 'DEP-1' });

    // Exactly what the SQLite file holds.
    expect(events).toEqual(
      rowsOf(stream).map((row) => ({
        id: row.event_id,
        revision: row.revision,
        position: String(row.position),
        type: row.type,
        data: JSON.parse(row.data),
        metadata: JSON.parse(row.metadata),
        // The recording time an auditor reads is the hashed one; the row's column is the store's own.
        recordedAt: JSON.parse(row.metadata).recordedAt,
        storedAt: row.recorded_at,
        hash: JSON.parse(row.metadata).hash,
      })),
    );
    for (const event of events) {
      expect(event.metadata).toMatchObject({
        commandId: expect.any(String),
        correlationId: expect.any(String),
        causationId: expect.any(String),
        actor: { name: expect.any(String), role: 'service' },
        recordedAt: expect.stringMatching(ISO_UTC),
        schemaVersion: 1,
        previousHash: expect.stringMatching(HEX64),
        hash: expect.stringMatching(HEX64),
      });
    }
    expectChained(stream, events);
  });

  it('pages with fromRevision and limit', async () => {
    const first = expectOk(await auditor.get(`/v1/assets/${assetId}/history?limit=2`)).body;
    const second = expectOk(await auditor.get(`/v1/assets/${assetId}/history?fromRevision=${first.nextRevision}&limit=2`)).body;
    const third = expectOk(await auditor.get(`/v1/assets/${assetId}/history?fromRevision=${second.nextRevision}&limit=2`)).body;
    expect([first, second, third].map((p) => [p.events.map((e: any) => e.revision), p.nextRevision])).toEqual([
      [[0, 1], 2],
      [[2, 3], 4],
      [[4], null],
    ]);
    expect((await auditor.get(`/v1/assets/${assetId}/history?limit=0`)).status).toBe(400);
  });

  it('answers 404 for an unknown asset, 400 for a bad id, and lets only auditors and admins read it', async () => {
    const unknown = await auditor.get('/v1/assets/no-such-asset/history');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await auditor.get(`/v1/assets/${encodeURIComponent('bad id!')}/history`)).status).toBe(400);

    const path = `/v1/assets/${assetId}/history`;
    expect((await app.api.as('admin').get(path)).status).toBe(200);
    for (const role of ['service', 'analyst'] as const) {
      const refused = await app.api.as(role).get(path);
      expect({ role, status: refused.status, code: refused.body.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
    expect((await app.api.get(path)).status).toBe(401);
  });
});

