import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { tempDataDir } from '../support/app-process';
import { api, type Client } from '../support/http-client';
import { distPresent } from '../support/built';
import { RestartableApp } from '../support/restartable-app';
import { StoredRows, type StoredRow } from '../support/stored-rows';
import { bodies, expectOk, FULL_PATH_MINUTES, FULL_PATH_TYPES, fullPathSteps, reportBody, timeline } from './harness';

/**
 * The audit command line (apps/cli) as a child process on the compiled code, against the store the
 * API wrote: `history`, `state`, `verify`, `export`, and `ticket-audit` through its bin script.
 * The read-only commands run beside the live API; the tampering is done with the API stopped.
 */
const data = tempDataDir();
const dbPath = join(data.path, 'events.db');
const app = new RestartableApp(data.path);
const launch = () => app.launch();
const halt = () => app.halt();

const as = (role: 'service' | 'auditor'): Client => api(app.baseUrl).as(role);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program with node, with only PATH and DATA_DIR (and `env`) in its environment. */
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: process.cwd(), env: { PATH: process.env.PATH ?? '', DATA_DIR: data.path, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** `ticket-audit <args>` on the compiled CLI. */
async function cli(...args: string[]): Promise<Run> {
  await distPresent('apps/cli/src/main.js');
  return run([resolve(process.cwd(), 'dist/apps/cli/src/main.js'), ...args]);
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const jsonLines = (text: string) => lines(text).map((line) => JSON.parse(line));

const stored = new StoredRows(dbPath);
type Row = StoredRow;
const withDb = <T>(work: (db: Database.Database) => T): T => stored.with(work);
const allRows = (): Row[] => stored.all();
const rowsOf = (stream: string): Row[] => stored.of(stream);
const putBack = (stream: string, rows: Row[]): void => stored.putBack(stream, rows);
function setData(stream: string, revision: number, edit: (data: string) => string): void {
  withDb((db) => {
    const { data: before } = db.prepare('SELECT data FROM events WHERE stream = ? AND revision = ?').get(stream, revision) as { data: string };
    const after = edit(before);
    if (after === before) throw new Error('the edit changed nothing');
    db.prepare('UPDATE events SET data = ? WHERE stream = ? AND revision = ?').run(after, stream, revision);
  });
}

const t = timeline(3);
const minutes = FULL_PATH_MINUTES;
const TYPES = FULL_PATH_TYPES;
let id: string;
let stream: string;
let other: string;
const assetId = 'audit-cli-asset';
/** 13 events of the full path, 2 of the other ticket, 1 of the asset. */
const TOTAL = 16;

beforeAll(async () => {
  await launch();
  const service = as('service');
  id = expectOk(await service.post('/v1/tickets', reportBody({ at: t.at(0) })), 201).body.ticketId;
  stream = `ticket-${id}`;
  const steps = fullPathSteps(t);
  for (const [verb, body] of steps) expectOk(await service.post(`/v1/tickets/${id}/${verb}`, body));
  other = expectOk(await service.post('/v1/tickets', reportBody({ customerId: 'customer-077', at: t.at(20) })), 201).body.ticketId;
  expectOk(await service.post(`/v1/tickets/${other}/acknowledge`, bodies.acknowledge({ at: t.at(21) })));
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
}, 60_000);

afterAll(async () => {
  await halt();
  data.remove();
});

describe('ticket-audit history', () => {
  it('lists every event of a ticket, one line each: revision, type, business time, actor, recording time and hash', async () => {
    const result = await cli('history', id);
    expect(result.code).toBe(0);
    const http = expectOk(await as('auditor').get(`/v1/tickets/${id}/history`)).body.events;
    const [title, ...rest] = lines(result.stdout);
    expect(title).toBe(`${stream}: 13 events`);
    expect(rest).toHaveLength(13);
    rest.forEach((line, revision) => {
      const event = http[revision];
      expect(line).toBe(
        `#${revision} ${TYPES[revision].padEnd(22)} at ${t.at(minutes[revision])} by service:${event.metadata.actor.name} recorded ${event.recordedAt} hash ${event.hash.slice(0, 12)}`,
      );
    });
  });

  it('--json writes one event per line, the same as the HTTP history', async () => {
    const result = await cli('history', id, '--json');
    expect(result.code).toBe(0);
    const http = expectOk(await as('auditor').get(`/v1/tickets/${id}/history`)).body.events;
    expect(jsonLines(result.stdout)).toEqual(http);
    // A ticket id in capitals is the same ticket; any other name is a stream name, as asset-<id>.
    expect(jsonLines((await cli('history', id.toUpperCase(), '--json')).stdout)).toEqual(http);
    const asset = await cli('history', `asset-${assetId}`, '--json');
    expect(asset.code).toBe(0);
    expect(jsonLines(asset.stdout)).toEqual(expectOk(await as('auditor').get(`/v1/assets/${assetId}/history`)).body.events);
  });

  it('exits 1 and says so for a ticket without events', async () => {
    const result = await cli('history', '11111111-2222-4333-8444-555555555555');
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('ticket-11111111-2222-4333-8444-555555555555 has no events');
  });
});

describe('ticket-audit state', () => {
  it('--as-of a moment between two events: the earlier state, its clocks at that moment, as the API replays it', async () => {
    const human = await cli('state', id, '--as-of', t.at(20));
    expect(human.code).toBe(0);
    expect(lines(human.stdout)).toEqual([
      `ticket ${id} at ${t.at(20)} (revision 2): acknowledged, major, fault`,
      `  response          met      due ${t.at(30)}  16.67% of PT30M`,
      `  onsiteResolution  running  due ${t.at(60)}  33.33% of PT1H`,
      `  restoration       running  due ${t.at(480)}  4.17% of PT8H`,
    ]);
    const json = await cli('state', id, '--as-of', t.at(20), '--json');
    expect(json.code).toBe(0);
    const http = expectOk(await as('auditor').get(`/v1/tickets/${id}/state?asOf=${encodeURIComponent(t.at(20))}`)).body;
    expect(jsonLines(json.stdout)).toEqual([http]);
    // The same instant in another zone.
    expect(jsonLines((await cli('state', id, '--as-of', t.inZone(20, '+08:00'), '--json')).stdout)).toEqual([http]);
  });

  it('--revision n: the state after that event, as the API replays it', async () => {
    const human = await cli('state', id, '--revision', '6');
    expect(human.code).toBe(0);
    expect(lines(human.stdout)).toEqual([
      `ticket ${id} at ${t.at(55)} (revision 6): acknowledged, major, fault`,
      `  response          met      due ${t.at(30)}  16.67% of PT30M`,
      `  onsiteResolution  paused   due ${t.at(60)}  91.67% of PT1H`,
      `  seniorArrival     met      due ${t.at(150)}  16.67% of PT2H`,
      `  restoration       paused   due ${t.at(480)}  11.46% of PT8H`,
    ]);
    for (const revision of [0, 6, 12]) {
      const json = await cli('state', id, '--revision', String(revision), '--json');
      expect(json.code).toBe(0);
      expect(jsonLines(json.stdout)).toEqual([expectOk(await as('auditor').get(`/v1/tickets/${id}/state?revision=${revision}`)).body]);
    }
  });

  it('exits 1 with the reason: before the report, past the last revision, both or neither option, a bad value', async () => {
    const before = await cli('state', id, '--as-of', new Date(Date.parse(t.at(0)) - 1000).toISOString());
    expect(before).toMatchObject({ code: 1, stdout: '' });
    expect(before.stderr).toContain('was not reported yet');
    const past = await cli('state', id, '--revision', '13');
    expect(past).toMatchObject({ code: 1, stdout: '' });
    expect(past.stderr).toContain('has revisions 0 to 12');
    for (const args of [[], ['--revision', '1', '--as-of', t.at(20)]]) {
      const result = await cli('state', id, ...args);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain('give exactly one of --as-of and --revision');
    }
    const bad = await cli('state', id, '--revision', 'x');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--revision x is not a revision');
  });

  it('reads a ticket id in capitals as the same ticket', async () => {
    const result = await cli('state', id.toUpperCase(), '--revision', '0', '--json');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ ticketId: id, revision: 0 });
  });

  it('refuses an --as-of without a zone instead of reading it in the local zone', async () => {
    // Minute 20 as a wall clock in Shanghai, without its zone: the CLI, run there, replays to minute 20.
    const local = t.inZone(20, '+08:00').slice(0, 19);
    const result = await run([resolve(process.cwd(), 'dist/apps/cli/src/main.js'), 'state', id, '--as-of', local, '--json'], { TZ: 'Asia/Shanghai' });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
  });
});

describe('ticket-audit verify', () => {
  it('exits 0 and says OK with the counts on an untouched store; --json and --stream', async () => {
    const human = await cli('verify');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^OK: ${TOTAL} events in 3 streams checked in \\d+\\.\\d s\\n$`));
    const json = await cli('verify', '--json');
    expect(json.code).toBe(0);
    expect(jsonLines(json.stdout)).toEqual([{ ok: true, checkedStreams: 3, checkedEvents: TOTAL, broken: [] }]);
    expect(jsonLines((await cli('verify', '--stream', stream, '--json')).stdout)).toEqual([{ ok: true, checkedStreams: 1, checkedEvents: 13, broken: [] }]);
    // The API says the same.
    expect(expectOk(await as('auditor').get('/v1/audit/verify')).body).toEqual(jsonLines(json.stdout)[0]);
  });

  it('exits 3 and names the broken stream and revision after an event was altered; the other streams stay clean', async () => {
    const original = rowsOf(stream);
    await halt();
    try {
      setData(stream, 4, (text) => text.replace('"eng-wang"', '"eng-wanh"'));
      const human = await cli('verify');
      expect(human.code).toBe(3);
      const [summary, ...details] = lines(human.stdout);
      expect(summary).toMatch(new RegExp(`^BROKEN: ${TOTAL} events in 3 streams checked in \\d+\\.\\d s$`));
      expect(details).toEqual([`  ${stream} revision 4: the content does not match its hash`]);

      const json = await cli('verify', '--json');
      expect(json.code).toBe(3);
      expect(jsonLines(json.stdout)).toEqual([
        { ok: false, checkedStreams: 3, checkedEvents: TOTAL, broken: [{ stream, revision: 4, reason: 'the content does not match its hash' }] },
      ]);
      expect((await cli('verify', '--stream', stream)).code).toBe(3);
      const clean = await cli('verify', '--stream', `ticket-${other}`, '--json');
      expect(clean.code).toBe(0);
      expect(jsonLines(clean.stdout)).toEqual([{ ok: true, checkedStreams: 1, checkedEvents: 2, broken: [] }]);

      // A deleted event: the next one is named, with the missing revision in the reason.
      putBack(stream, original);
      withDb((db) => db.prepare('DELETE FROM events WHERE stream = ? AND revision = 9').run(stream));
      const deleted = await cli('verify');
      expect(deleted.code).toBe(3);
      expect(lines(deleted.stdout)).toEqual([
        expect.stringMatching(new RegExp(`^BROKEN: ${TOTAL - 1} events in 3 streams`)),
        `  ${stream} revision 10: revision 9 is missing`,
      ]);
    } finally {
      putBack(stream, original);
      await launch();
    }
    expect((await cli('verify')).code).toBe(0);
  }, 60_000);

  it('exits 3 naming the event whose data is no longer JSON', async () => {
    const original = rowsOf(stream);
    await halt();
    try {
      setData(stream, 3, (text) => text.slice(0, -1));
      const result = await cli('verify', '--json');
      expect(result.code).toBe(3);
      expect(jsonLines(result.stdout)[0]).toMatchObject({ ok: false, broken: [{ stream, revision: 3 }] });
    } finally {
      putBack(stream, original);
      await launch();
    }
  }, 60_000);

  it('runs as `npx ticket-audit verify` through the package bin script', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.bin).toEqual({ 'ticket-audit': 'bin/ticket-audit.js' });
    // The bin script runs scripts/ensure-built.mjs first, which rebuilds dist/ when any source is
    // newer: with other people editing the checkout that would rebuild dist/ under every other
    // e2e test running now. So the script and its build check run from a copy of the package root
    // whose dist/ is this checkout's and which has no sources: the same code, never a rebuild.
    const root = mkdtempSync(join(tmpdir(), 'ticket-audit-bin-'));
    try {
      mkdirSync(join(root, 'bin'));
      mkdirSync(join(root, 'scripts'));
      copyFileSync('bin/ticket-audit.js', join(root, 'bin/ticket-audit.js'));
      copyFileSync('scripts/ensure-built.mjs', join(root, 'scripts/ensure-built.mjs'));
      symlinkSync(resolve(process.cwd(), 'dist'), join(root, 'dist'), 'dir');
      await distPresent('apps/cli/src/main.js');
      const result = await run([join(root, 'bin/ticket-audit.js'), 'verify']);
      expect(result.stderr).not.toContain('building');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^OK: ${TOTAL} events in 3 streams checked in \\d+\\.\\d s\\n$`));
      const one = await run([join(root, 'bin/ticket-audit.js'), 'verify', '--json', '--stream', stream]);
      expect(one.code).toBe(0);
      expect(jsonLines(one.stdout)).toEqual([{ ok: true, checkedStreams: 1, checkedEvents: 13, broken: [] }]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('ticket-audit export', () => {
  it('writes every event as JSON Lines in position order, with stream and hash, exactly as stored', async () => {
    const result = await cli('export');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`exported ${TOTAL} of ${TOTAL} events`);
    const exported = jsonLines(result.stdout);
    expect(exported).toEqual(
      allRows().map((row) => ({
        stream: row.stream,
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
    expect(exported.map((e) => Number(e.position))).toEqual(exported.map((_, i) => i));
    expect(new Set(exported.map((e) => e.stream))).toEqual(new Set([stream, `ticket-${other}`, `asset-${assetId}`]));
    for (const event of exported) expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    // The ticket's events in the export are its history as stored (personal fields sealed).
    expect(exported.filter((e) => e.stream === stream).map(({ stream: _, ...e }) => e)).toEqual(
      expectOk(await as('auditor').get(`/v1/tickets/${id}/history?sealed=true`)).body.events,
    );
    // --decrypt opens them: the history as the API shows it by default.
    const opened = await cli('export', '--decrypt');
    expect(opened.code).toBe(0);
    expect(jsonLines(opened.stdout).filter((e) => e.stream === stream).map(({ stream: _, ...e }) => e)).toEqual(
      expectOk(await as('auditor').get(`/v1/tickets/${id}/history`)).body.events,
    );
  });

  it('--from (inclusive) and --to (exclusive) bound the export by recording time', async () => {
    // The export filters on the recording time inside the hashed metadata.
    const rows = allRows().map((row) => ({ ...row, recorded_at: JSON.parse(row.metadata).recordedAt as string }));
    const from = rows[4].recorded_at;
    const to = rows[11].recorded_at;
    const expected = rows.filter((row) => row.recorded_at >= from && row.recorded_at < to).map((row) => row.position);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(rows.length);
    expect(expected).toContain(rows[4].position);
    expect(expected).not.toContain(rows[11].position);

    const bounded = await cli('export', '--from', from, '--to', to);
    expect(bounded.code).toBe(0);
    expect(jsonLines(bounded.stdout).map((e) => Number(e.position))).toEqual(expected);
    expect(bounded.stderr).toContain(`exported ${expected.length} of ${TOTAL} events`);

    const fromOnly = jsonLines((await cli('export', '--from', from)).stdout).map((e) => Number(e.position));
    expect(fromOnly).toEqual(rows.filter((row) => row.recorded_at >= from).map((row) => row.position));
    const toOnly = jsonLines((await cli('export', '--to', to)).stdout).map((e) => Number(e.position));
    expect(toOnly).toEqual(rows.filter((row) => row.recorded_at < to).map((row) => row.position));
    // Nothing recorded in the future, and a bad time is refused.
    const future = await cli('export', '--from', new Date(Date.now() + 86_400_000).toISOString());
    expect(future).toMatchObject({ code: 0, stdout: '' });
    expect(future.stderr).toContain(`exported 0 of ${TOTAL} events`);
    const bad = await cli('export', '--from', 'yesterday');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--from yesterday is not a time');
  });
});
