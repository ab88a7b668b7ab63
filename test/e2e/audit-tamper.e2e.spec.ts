import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventHash } from '../../libs/event-store/src/audit-chain';
import { tempDataDir } from '../support/app-process';
import { api, type Client } from '../support/http-client';
import { RestartableApp } from '../support/restartable-app';
import { StoredRows, type StoredRow } from '../support/stored-rows';
import { bodies, expectOk, fullPathSteps, reportBody, timeline } from './harness';

/**
 * Tamper evidence (the service contract): the SQLite file is edited directly, with the application
 * stopped, the way someone with access to the disk would; then GET /v1/audit/verify must name the
 * stream and the revision where the chain breaks. After each case the rows are put back as they
 * were and the store verifies again.
 *
 * The reasons are the verifier's (libs/event-store/src/audit-chain.ts).
 */
const CONTENT = 'the content does not match its hash';
const PREVIOUS = 'previousHash does not match the hash of the event before it';
const missing = (revision: number) => `revision ${revision} is missing`;

const data = tempDataDir();
const dbPath = join(data.path, 'events.db');
const app = new RestartableApp(data.path);
const launch = () => app.launch();
const halt = () => app.halt();

const as = (role: 'service' | 'auditor' | 'admin' | 'analyst'): Client => api(app.baseUrl).as(role);

const stored = new StoredRows(dbPath);
type Row = StoredRow;
const withDb = <T>(work: (db: Database.Database) => T): T => stored.with(work);
const rowsOf = (stream: string): Row[] => stored.of(stream);
const rowAt = (stream: string, revision: number): Row => rowsOf(stream).find((row) => row.revision === revision)!;
const counts = () => withDb((db) => db.prepare('SELECT COUNT(*) AS events, COUNT(DISTINCT stream) AS streams FROM events').get() as { events: number; streams: number });

const putBack = (stream: string, rows: Row[]): void => stored.putBack(stream, rows);

async function verify(stream?: string): Promise<Record<string, any>> {
  return expectOk(await as('auditor').get(`/v1/audit/verify${stream ? `?stream=${encodeURIComponent(stream)}` : ''}`)).body;
}

let ticketA: string;
let ticketB: string;
const assetId = 'audit-tamper-asset';
let streamA: string;
let streamB: string;
const assetStream = `asset-${assetId}`;
/** Events per stream, as created below. */
const SIZES = { a: 13, b: 5, asset: 3 };
const TOTAL = SIZES.a + SIZES.b + SIZES.asset;

beforeAll(async () => {
  await launch();
  const service = as('service');
  const t = timeline(3);
  // Ticket A: the full fault path, 13 events.
  ticketA = expectOk(await service.post('/v1/tickets', reportBody({ at: t.at(0) })), 201).body.ticketId;
  const steps = fullPathSteps(t);
  for (const [verb, body] of steps) expectOk(await service.post(`/v1/tickets/${ticketA}/${verb}`, body));
  // An asset, registered between the two tickets' events, so that streams interleave in the log.
  expectOk(
    await service.post('/v1/assets', {
      assetId,
      customerId: 'owner-1',
      name: 'HQ office renovation',
      kind: 'renovation',
      acceptedAt: '2025-06-30',
      coverages: [{ category: 'waterproofing', years: 5 }],
      at: t.at(0),
    }),
    201,
  );
  // Ticket B: report, acknowledge, dispatch, arrive, restore: 5 events, interleaved with the asset's.
  ticketB = expectOk(await service.post('/v1/tickets', reportBody({ customerId: 'customer-077', at: t.at(20) })), 201).body.ticketId;
  expectOk(await service.post(`/v1/tickets/${ticketB}/acknowledge`, bodies.acknowledge({ at: t.at(21) })));
  expectOk(await service.post(`/v1/assets/${assetId}/inspections`, { inspectedOn: '2026-06-15', by: 'eng-li', report: 'roof intact', at: t.at(22) }));
  expectOk(await service.post(`/v1/tickets/${ticketB}/dispatch`, bodies.dispatch('eng-zhao', 'onsite', { at: t.at(23) })));
  expectOk(await service.post(`/v1/tickets/${ticketB}/arrive`, bodies.arrive('eng-zhao', { at: t.at(40) })));
  expectOk(await service.post(`/v1/assets/${assetId}/deposits`, { kind: 'payment', amount: 20000, reference: 'DEP-1', at: t.at(41) }));
  expectOk(await service.post(`/v1/tickets/${ticketB}/restore`, bodies.restore({ at: t.at(60) })));
  streamA = `ticket-${ticketA}`;
  streamB = `ticket-${ticketB}`;
}, 60_000);

afterAll(async () => {
  await halt();
  data.remove();
});

describe('an untouched store', () => {
  it('verifies: ok, with every stream and every event counted', async () => {
    expect(counts()).toEqual({ events: TOTAL, streams: 3 });
    expect(await verify()).toEqual({ ok: true, checkedStreams: 3, checkedEvents: TOTAL, broken: [] });
    expect(await verify(streamA)).toEqual({ ok: true, checkedStreams: 1, checkedEvents: SIZES.a, broken: [] });
    expect(await verify(streamB)).toEqual({ ok: true, checkedStreams: 1, checkedEvents: SIZES.b, broken: [] });
    expect(await verify(assetStream)).toEqual({ ok: true, checkedStreams: 1, checkedEvents: SIZES.asset, broken: [] });
  });

  it('lets auditors and admins verify, nobody else', async () => {
    expect((await as('admin').get('/v1/audit/verify')).status).toBe(200);
    for (const role of ['service', 'analyst'] as const) {
      const refused = await as(role).get('/v1/audit/verify');
      expect({ role, status: refused.status, code: refused.body.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
    expect((await api(app.baseUrl).get('/v1/audit/verify')).status).toBe(401);
    const empty = await as('auditor').get('/v1/audit/verify?stream=');
    expect(empty.status).toBe(400);
    expect((await as('auditor').get('/v1/audit/verify?foo=1')).status).toBe(400);
  });
});

interface TamperCase {
  readonly name: string;
  /** Which stream and revision verify must name, and why. */
  readonly stream: () => string;
  readonly revision: number;
  readonly reason: string;
  readonly events?: number;
  tamper(db: Database.Database): void;
}

const update = (db: Database.Database, stream: string, revision: number, set: Partial<Row>) => {
  const columns = Object.keys(set);
  const changed = db
    .prepare(`UPDATE events SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE stream = @stream AND revision = @revision`)
    .run({ ...set, stream, revision }).changes;
  if (changed !== 1) throw new Error(`no row ${stream}@${revision}`);
};
const row = (db: Database.Database, stream: string, revision: number) =>
  db.prepare('SELECT * FROM events WHERE stream = ? AND revision = ?').get(stream, revision) as Row;

const cases: TamperCase[] = [
  {
    name: '(a) one byte of an event’s data: the senior engineer’s id',
    stream: () => streamA,
    revision: 4,
    reason: CONTENT,
    tamper(db) {
      const { data } = row(db, streamA, 4);
      expect(data).toContain('"eng-wang"');
      update(db, streamA, 4, { data: data.replace('"eng-wang"', '"eng-wanh"') });
    },
  },
  {
    name: '(b) its metadata: the actor’s role',
    stream: () => streamA,
    revision: 2,
    reason: CONTENT,
    tamper(db) {
      const { metadata } = row(db, streamA, 2);
      expect(metadata).toContain('"role":"service"');
      update(db, streamA, 2, { metadata: metadata.replace('"role":"service"', '"role":"admin"') });
    },
  },
  {
    name: '(c) an event deleted from the middle of a stream: the pause',
    stream: () => streamA,
    revision: 7,
    reason: missing(6),
    events: TOTAL - 1,
    tamper(db) {
      expect(db.prepare('DELETE FROM events WHERE stream = ? AND revision = 6').run(streamA).changes).toBe(1);
    },
  },
  {
    name: '(d) two events’ type and data swapped: the on-site dispatch and arrival',
    stream: () => streamA,
    revision: 2,
    reason: CONTENT,
    tamper(db) {
      const [dispatch, arrival] = [row(db, streamA, 2), row(db, streamA, 3)];
      update(db, streamA, 2, { type: arrival.type, data: arrival.data });
      update(db, streamA, 3, { type: dispatch.type, data: dispatch.data });
    },
  },
  {
    name: '(d) two rows’ whole contents swapped, metadata and hashes with them',
    stream: () => streamA,
    revision: 2,
    reason: PREVIOUS,
    tamper(db) {
      const [dispatch, arrival] = [row(db, streamA, 2), row(db, streamA, 3)];
      update(db, streamA, 2, { type: arrival.type, data: arrival.data, metadata: arrival.metadata, recorded_at: arrival.recorded_at });
      update(db, streamA, 3, { type: dispatch.type, data: dispatch.data, metadata: dispatch.metadata, recorded_at: dispatch.recorded_at });
    },
  },
  {
    name: '(e) the type of an event: a rating turned into a reopening',
    stream: () => streamA,
    revision: 10,
    reason: CONTENT,
    tamper(db) {
      expect(row(db, streamA, 10).type).toBe('SatisfactionRated');
      update(db, streamA, 10, { type: 'TicketReopened' });
    },
  },
  {
    name: 'the first event of a stream: the customer of ticket B',
    stream: () => streamB,
    revision: 0,
    reason: CONTENT,
    tamper(db) {
      const { data } = row(db, streamB, 0);
      update(db, streamB, 0, { data: data.replace('"customer-077"', '"customer-078"') });
    },
  },
  {
    name: 'an asset’s event: the deposit amount',
    stream: () => assetStream,
    revision: 2,
    reason: CONTENT,
    tamper(db) {
      const { data } = row(db, assetStream, 2);
      expect(data).toContain('20000');
      update(db, assetStream, 2, { data: data.replace('20000', '2000') });
    },
  },
  {
    name: 'an event changed and its hash recomputed: the next event’s previousHash gives it away',
    stream: () => streamA,
    revision: 5,
    reason: PREVIOUS,
    tamper(db) {
      const event = row(db, streamA, 4);
      const data = JSON.parse(event.data);
      const metadata = JSON.parse(event.metadata);
      data.engineerId = 'eng-zhao';
      metadata.hash = eventHash(metadata.previousHash, { stream: streamA, revision: 4, type: event.type, data, metadata });
      update(db, streamA, 4, { data: JSON.stringify(data), metadata: JSON.stringify(metadata) });
    },
  },
  {
    name: 'an event’s hash removed',
    stream: () => streamB,
    revision: 3,
    reason: 'the event has no hash',
    tamper(db) {
      // The verifier goes on from the recomputed hash, so the next event is not reported as well.
      const metadata = JSON.parse(row(db, streamB, 3).metadata);
      delete metadata.hash;
      update(db, streamB, 3, { metadata: JSON.stringify(metadata) });
    },
  },
];

describe('a tampered store', () => {
  for (const tamperCase of cases) {
    it(`names the stream and revision: ${tamperCase.name}`, async () => {
      const stream = tamperCase.stream();
      const others = [streamA, streamB, assetStream].filter((s) => s !== stream);
      const original = rowsOf(stream);
      await halt();
      withDb((db) => db.transaction(() => tamperCase.tamper(db))());
      await launch();

      const broken = { stream, revision: tamperCase.revision, reason: tamperCase.reason };
      const events = tamperCase.events ?? TOTAL;
      expect(await verify()).toEqual({ ok: false, checkedStreams: 3, checkedEvents: events, broken: [broken] });
      // ?stream= checks that stream alone, and the others stay clean.
      expect(await verify(stream)).toEqual({ ok: false, checkedStreams: 1, checkedEvents: rowsOf(stream).length, broken: [broken] });
      for (const other of others) expect(await verify(other)).toMatchObject({ ok: true, checkedStreams: 1, broken: [] });

      // Put back, the store verifies again.
      await halt();
      putBack(stream, original);
      await launch();
      expect(await verify()).toEqual({ ok: true, checkedStreams: 3, checkedEvents: TOTAL, broken: [] });
    }, 60_000);
  }

  it('reports the first break of each stream once, in log order, and the history shows the altered event under its old hash', async () => {
    const originals = new Map([streamA, assetStream].map((s) => [s, rowsOf(s)]));
    const hashBefore = JSON.parse(rowAt(streamA, 3).metadata).hash;
    await halt();
    withDb((db) => {
      // Two changes in ticket A (revisions 3 and 9) and one in the asset (revision 1).
      update(db, streamA, 3, { data: row(db, streamA, 3).data.replace('"eng-li"', '"eng-xu"') });
      update(db, streamA, 9, { data: row(db, streamA, 9).data.replace('Line card failure', 'Power failure') });
      update(db, assetStream, 1, { data: row(db, assetStream, 1).data.replace('roof intact', 'roof leaking') });
    });
    await launch();

    const result = await verify();
    const positionOf = (stream: string, revision: number) => rowAt(stream, revision).position;
    const expected = [
      { stream: streamA, revision: 3, reason: CONTENT, position: positionOf(streamA, 3) },
      { stream: assetStream, revision: 1, reason: CONTENT, position: positionOf(assetStream, 1) },
    ]
      .sort((x, y) => x.position - y.position)
      .map(({ position: _, ...b }) => b);
    expect(result).toEqual({ ok: false, checkedStreams: 3, checkedEvents: TOTAL, broken: expected });

    // What an auditor reading the history would see: the new engineer id under the old hash.
    const history = expectOk(await as('auditor').get(`/v1/tickets/${ticketA}/history?fromRevision=3&limit=1`)).body;
    expect(history.events[0]).toMatchObject({ revision: 3, data: { engineerId: 'eng-xu' }, hash: hashBefore });

    await halt();
    for (const [stream, rows] of originals) putBack(stream, rows);
    await launch();
    expect(await verify()).toMatchObject({ ok: true, checkedEvents: TOTAL });
  }, 60_000);

  it('checks a store edited while the app runs (WAL, a second writer) without a restart', async () => {
    const original = rowsOf(streamB);
    withDb((db) => update(db, streamB, 2, { data: row(db, streamB, 2).data.replace('"eng-zhao"', '"eng-qian"') }));
    expect(await verify()).toEqual({ ok: false, checkedStreams: 3, checkedEvents: TOTAL, broken: [{ stream: streamB, revision: 2, reason: CONTENT }] });
    putBack(streamB, original);
    expect(await verify()).toEqual({ ok: true, checkedStreams: 3, checkedEvents: TOTAL, broken: [] });
  });

  // A row whose data is no longer JSON (one byte cut) is named like any other damage.
  it('names an event whose data is no longer JSON', async () => {
    const original = rowsOf(streamA);
    await halt();
    withDb((db) => update(db, streamA, 3, { data: row(db, streamA, 3).data.slice(0, -1) }));
    await launch();
    try {
      const answer = await as('auditor').get('/v1/audit/verify');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ ok: false, broken: [{ stream: streamA, revision: 3, reason: expect.any(String) }] });
    } finally {
      await halt();
      putBack(streamA, original);
      await launch();
    }
  }, 60_000);

  // The recording time an auditor reads (`recordedAt`, and what `export --from/--to` filters on) is
  // the one inside the hashed metadata; the row's own column is shown apart as `storedAt`, outside
  // the chain, so rewriting it changes nothing an auditor relies on.
  it('reads the recording time from the hashed metadata, not from the row', async () => {
    const original = rowsOf(streamA);
    const before = expectOk(await as('auditor').get(`/v1/tickets/${ticketA}/history?fromRevision=5&limit=1`)).body.events[0];
    await halt();
    withDb((db) => update(db, streamA, 5, { recorded_at: '2020-01-01T00:00:00.000Z' }));
    await launch();
    try {
      const history = expectOk(await as('auditor').get(`/v1/tickets/${ticketA}/history?fromRevision=5&limit=1`)).body;
      expect(history.events[0].recordedAt).toBe(before.recordedAt);
      expect(history.events[0].recordedAt).toBe(history.events[0].metadata.recordedAt);
      expect(history.events[0].storedAt).toBe('2020-01-01T00:00:00.000Z');
      expect(await verify()).toMatchObject({ ok: true });
    } finally {
      await halt();
      putBack(streamA, original);
      await launch();
    }
  }, 60_000);
});
