import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventHash } from '../../libs/event-store/src/audit-chain';
import { freePort, startAppProcess, tempDataDir, until } from '../support/app-process';
import { runCli, type CliRun } from '../support/cli-process';
import { api, TEST_API_KEYS } from '../support/http-client';
import { RestartableApp } from '../support/restartable-app';
import { StoredRows, type StoredRow } from '../support/stored-rows';
import { bodies, countAllEvents, expectOk, reportBody, timeline } from './harness';

/**
 * Attacks on the log by someone who can write events.db while the API is stopped, each made by a
 * child process editing a copy of the file, each detected by `verify --since` a head saved
 * before, with exit code 3 and a first line naming what happened and where.
 */
const data = tempDataDir();
const app = new RestartableApp(data.path);
const copies: string[] = [];
const run = promisify(execFile);
let headFile: string;
let streams: { a: string; b: string; c: string };

/** A copy of the stopped API's files, to attack without touching the others. */
function copyOfData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ticket-attack-'));
  cpSync(data.path, dir, { recursive: true });
  copies.push(dir);
  return dir;
}

/** Runs SQL statements on a copy's events.db from a child process, as an attacker with the file would. */
async function attack(dir: string, statements: Array<{ sql: string; params?: unknown[] }>): Promise<void> {
  const plan = join(dir, 'attack.json');
  writeFileSync(plan, JSON.stringify(statements));
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1] + '/events.db', { fileMustExist: true });
    const plan = JSON.parse(require('node:fs').readFileSync(process.argv[1] + '/attack.json', 'utf8'));
    db.transaction(() => { for (const s of plan) db.prepare(s.sql).run(...(s.params ?? [])); })();
    db.close();`;
  await run(process.execPath, ['-e', script, dir], { cwd: process.cwd() });
}

const rows = (dir: string, stream?: string): StoredRow[] =>
  stream === undefined ? new StoredRows(join(dir, 'events.db')).all() : new StoredRows(join(dir, 'events.db')).of(stream);

/** The rows of a stream with data changed by `change` and every hash worked out again. */
function rechained(stream: StoredRow[], change: (data: Record<string, unknown>, revision: number) => Record<string, unknown>): StoredRow[] {
  let previous = JSON.parse(stream[0].metadata).previousHash as string;
  return stream.map((row) => {
    const data = change(JSON.parse(row.data), row.revision);
    const metadata = { ...JSON.parse(row.metadata), previousHash: previous };
    delete metadata.hash;
    const hash = eventHash(previous, { stream: row.stream, revision: row.revision, type: row.type, data, metadata });
    previous = hash;
    return { ...row, data: JSON.stringify(data), metadata: JSON.stringify({ ...metadata, hash }) };
  });
}

/**
 * Appends to a copy's log, as a writer of the file without the audit key would, an event after
 * the last of stream a with a correct chain hash (the last event's metadata, its seal left out).
 */
async function forgeAfterLast(dir: string): Promise<{ position: number; stream: string; revision: number }> {
  const stream = rows(dir, streams.a);
  const last = stream[stream.length - 1];
  const position = rows(dir).length;
  const data = { ...JSON.parse(last.data), at: new Date().toISOString() };
  const metadata: Record<string, unknown> = { ...JSON.parse(last.metadata), previousHash: JSON.parse(last.metadata).hash };
  delete metadata.hash;
  delete metadata.seal;
  const hash = eventHash(metadata.previousHash as string, { stream: streams.a, revision: last.revision + 1, type: last.type, data, metadata });
  await attack(dir, [
    {
      sql: 'INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      params: [position, 'f0f0f0f0-0000-4000-8000-000000000001', streams.a, last.revision + 1, last.type, JSON.stringify(data), JSON.stringify({ ...metadata, hash }), last.recorded_at],
    },
  ]);
  return { position, stream: streams.a, revision: last.revision + 1 };
}

const verifySince = (dir: string): Promise<CliRun> => runCli(['verify', '--since', headFile], { DATA_DIR: dir });
const firstLine = (answer: CliRun) => answer.stdout.split('\n')[0];

beforeAll(async () => {
  await app.launch();
  const service = api(app.baseUrl).as('service');
  const t = timeline(3);
  const ids: string[] = [];
  for (const customerId of ['customer-a', 'customer-b', 'customer-c']) ids.push(expectOk(await service.post('/v1/tickets', reportBody({ customerId, at: t.at(0) })), 201).body.ticketId);
  for (const [i, id] of ids.entries()) expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge({ at: t.at(5 + i) })));
  for (const [i, id] of ids.entries()) expectOk(await service.post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-zhao', 'onsite', { at: t.at(10 + i) })));
  for (const [i, id] of ids.entries()) expectOk(await service.post(`/v1/tickets/${id}/arrive`, bodies.arrive('eng-zhao', { at: t.at(30 + i) })));
  streams = { a: `ticket-${ids[0]}`, b: `ticket-${ids[1]}`, c: `ticket-${ids[2]}` };
  const events = countAllEvents(data.path);
  const deadline = Date.now() + 30_000;
  while ((expectOk(await api(app.baseUrl).as('auditor').get('/v1/audit/tree-head')).body.treeSize as number) < events && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
  }
  await app.halt();
  const head = await runCli(['tree-head'], { DATA_DIR: data.path });
  expect(JSON.parse(head.stdout).treeSize).toBe(events);
  // The auditor's copy of the head, kept outside DATA_DIR.
  headFile = join(mkdtempSync(join(tmpdir(), 'ticket-auditor-')), 'head.json');
  copies.push(join(headFile, '..'));
  writeFileSync(headFile, head.stdout);
}, 180_000);

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  data.remove();
});

describe('verify --since a saved head', () => {
  it('passes the log as the API left it', async () => {
    const answer = await verifySince(copyOfData());
    expect([answer.code, firstLine(answer)]).toEqual([0, expect.stringMatching(/^OK: the log of \d+ events extends the saved head/)]);
  });

  it('names a whole stream rewritten with every chain hash worked out again', async () => {
    const dir = copyOfData();
    const forged = rechained(rows(dir, streams.b), (d, revision) => (revision === 0 ? { ...d, customerId: 'someone-else' } : d));
    await attack(dir, forged.map((row) => ({ sql: 'UPDATE events SET data = ?, metadata = ? WHERE position = ?', params: [row.data, row.metadata, row.position] })));
    const answer = await verifySince(dir);
    expect(answer.code).toBe(3);
    // The chains themselves hold: only the tree tells.
    expect(answer.stdout).not.toMatch(/BROKEN/);
    expect(firstLine(answer)).toMatch(
      new RegExp(`^NOT CONSISTENT with .*head\\.json: REWRITTEN .* rewritten or forked .* event ${forged[0].position}: the log has ${streams.b} revision 0 at position ${forged[0].position}`),
    );
  });

  it('names a whole stream deleted', async () => {
    const dir = copyOfData();
    const first = rows(dir, streams.a)[0];
    await attack(dir, [{ sql: 'DELETE FROM events WHERE stream = ?', params: [streams.a] }]);
    const answer = await verifySince(dir);
    expect(answer.code).toBe(3);
    expect(firstLine(answer)).toMatch(new RegExp(`^NOT CONSISTENT with .*: TRUNCATED the log has \\d+ events, fewer than the \\d+ of the saved head: events were removed; the first event that differs .* is event ${first.position}: the log has ${streams.b}`));
    expect(answer.stdout).toMatch(new RegExp(`GAP positions ${first.position} to ${first.position} are missing`));
  });

  it('names the last 10 events of the log truncated', async () => {
    const dir = copyOfData();
    const all = rows(dir);
    await attack(dir, [{ sql: 'DELETE FROM events WHERE position > ?', params: [all[all.length - 11].position] }]);
    const answer = await verifySince(dir);
    expect(answer.code).toBe(3);
    expect(firstLine(answer)).toMatch(new RegExp(`^NOT CONSISTENT with .*: TRUNCATED the log has ${all.length - 10} events, fewer than the ${all.length} of the saved head`));
  });

  it("names two streams' events that swapped positions", async () => {
    const dir = copyOfData();
    const [a, b] = [rows(dir, streams.a)[1], rows(dir, streams.c)[1]];
    await attack(dir, [
      { sql: 'UPDATE events SET position = -1 WHERE position = ?', params: [a.position] },
      { sql: 'UPDATE events SET position = ? WHERE position = ?', params: [a.position, b.position] },
      { sql: 'UPDATE events SET position = ? WHERE position = -1', params: [b.position] },
    ]);
    const answer = await verifySince(dir);
    expect(answer.code).toBe(3);
    expect(firstLine(answer)).toMatch(new RegExp(`REWRITTEN .* is event ${a.position}: the log has ${streams.c} revision 1 at position ${a.position}, the tree has ${streams.a} revision 1 at position ${a.position}`));
  });

  it('names an event appended with a correct chain hash that the API never signed', async () => {
    const dir = copyOfData();
    const { position, stream, revision } = await forgeAfterLast(dir);
    // The chain check alone passes it.
    const plain = await runCli(['verify'], { DATA_DIR: dir });
    expect(plain.code).toBe(0);
    const answer = await verifySince(dir);
    expect(answer.code).toBe(3);
    expect(firstLine(answer)).toMatch(
      new RegExp(`^NOT CONSISTENT with .*: UNSIGNED events ${position} to ${position} \\(the first: ${stream} revision ${revision} at position ${position}\\) are in no head the API signed`),
    );
    expect(answer.stdout).toContain(`UNSEALED ${stream} revision ${revision} at position ${position} carries no seal`);
  });

  it('names the first event whose seal was stripped: a saved head covers every seal', async () => {
    const dir = copyOfData();
    const all = rows(dir);
    // Without any seal the seal check has nothing to start from; the leaves of the saved head still hold them.
    await attack(
      dir,
      all.map((row) => {
        const metadata = JSON.parse(row.metadata);
        delete metadata.seal;
        return { sql: 'UPDATE events SET metadata = ? WHERE position = ?', params: [JSON.stringify(metadata), row.position] };
      }),
    );
    const plain = await runCli(['verify'], { DATA_DIR: dir });
    expect(plain.code).toBe(0);
    const answer = await verifySince(dir);
    expect(answer.code).toBe(3);
    expect(firstLine(answer)).toMatch(new RegExp(`^NOT CONSISTENT with .*: REWRITTEN .* event ${all[0].position}: the log has ${all[0].stream} revision ${all[0].revision} at position ${all[0].position}`));
  });

  it('names the forged event UNSEALED after the API started again and signed it into the tree', async () => {
    const dir = copyOfData();
    const { position, stream, revision } = await forgeAfterLast(dir);
    const restarted = new RestartableApp(dir);
    await restarted.launch();
    try {
      // The API's follower takes the forged event as growth of the log and signs a head over it.
      await until('a head over the forged event', async () => {
        const head = expectOk(await api(restarted.baseUrl).as('auditor').get('/v1/audit/tree-head')).body;
        return (head.treeSize as number) > position ? head : undefined;
      }, 60_000);
    } finally {
      await restarted.halt();
    }
    const answer = await verifySince(dir);
    expect(answer.code).toBe(3);
    expect(firstLine(answer)).toMatch(
      new RegExp(`^NOT CONSISTENT with .*: UNSEALED ${stream} revision ${revision} at position ${position} carries no seal, though an event before it does: it was written to the store outside the API$`),
    );
    expect(answer.stdout).not.toContain('UNSIGNED');
  }, 120_000);
});

describe('start-up on a log shorter than the tree it signed', () => {
  it('refuses, with one line naming the missing event', async () => {
    const dir = copyOfData();
    const all = rows(dir);
    await attack(dir, [{ sql: 'DELETE FROM events WHERE position > ?', params: [all[all.length - 4].position] }]);
    const child = startAppProcess({ DATA_DIR: dir, API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'warn', RUN_DEADLINE_FOLLOWER: 'false' }, await freePort());
    const exit = await Promise.race([child.exited, new Promise<'running'>((done) => setTimeout(() => done('running'), 30_000).unref())]);
    if (exit === 'running') child.child.kill('SIGKILL');
    expect(exit).toEqual({ code: 1, signal: null });
    expect(child.output()).toMatch(
      new RegExp(`^start-up failed: the event log is shorter than the Merkle tree this API has signed: the tree's event ${all.length - 1} \\(.* position ${all.length - 1}\\) is no event in the log`, 'm'),
    );
  }, 60_000);
});
