/**
 * The baseline of the commands benchmark: a bare Fastify route that inserts one event row into
 * SQLite (same schema, WAL, same synchronous setting) per request and answers JSON.
 * Usage: node dist/bench/raw-server.js <file> <port> <synchronous>
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { SCHEMA } from '../libs/event-store/src/sqlite/schema';

async function main(): Promise<void> {
  const [path, port, synchronous = 'FULL'] = process.argv.slice(2);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let position = 0;
  const app = Fastify({ logger: false });
  app.post('/raw/:stream', async (req) => {
    const at = position++;
    insert.run(at, randomUUID(), (req.params as { stream: string }).stream, at, 'Raw', JSON.stringify(req.body ?? {}), '{}', new Date().toISOString());
    return { position: String(at) };
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void app.close().then(() => {
      db.close();
      process.exit(0);
    });
  });
}

void main();
