/**
 * The baselines of the commands benchmark: a bare Fastify route that inserts one event row into
 * SQLite (same schema, WAL, same synchronous setting) per request and answers JSON; and, with
 * `noop` for a file, the same route doing nothing but answer: the ceiling of the HTTP transport
 * and the load generator on this machine.
 * Usage: node dist/bench/raw-server.js <file|noop> <port> <synchronous>
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { timeOrderedUuid } from '../libs/event-store/src/append-validation';
import { SCHEMA } from '../libs/event-store/src/sqlite/schema';

async function main(): Promise<void> {
  const [path, port, synchronous = 'FULL'] = process.argv.slice(2);
  const app = Fastify({ logger: false });
  if (path === 'noop') {
    app.post('/raw/:stream', async () => ({ position: '0' }));
    await listen(app, Number(port), () => undefined);
    return;
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let position = 0;
  app.post('/raw/:stream', async (req) => {
    const at = position++;
    insert.run(at, timeOrderedUuid(Date.now()), (req.params as { stream: string }).stream, at, 'Raw', JSON.stringify(req.body ?? {}), '{}', new Date().toISOString());
    return { position: String(at) };
  });
  await listen(app, Number(port), () => db.close());
}

async function listen(app: ReturnType<typeof Fastify>, port: number, release: () => void): Promise<void> {
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void app.close().then(() => {
      release();
      process.exit(0);
    });
  });
}

void main();
