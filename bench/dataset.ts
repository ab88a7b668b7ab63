/**
 * The large store the projection, verify and memory benchmarks read: `tickets` fault tickets of
 * five events each (TicketReported, ResponseAcknowledged, EngineerDispatched, EngineerArrived,
 * Restored), with the real event shapes, business times spread over 2025, metadata as the command
 * runner writes it (commandId, correlationId, causationId, actor, requestHash, recordedAt,
 * schemaVersion) and the audit chain's `previousHash`/`hash` made by `chainEvents`, so verify
 * checks real chains. Events are appended through the port in business-time order (the streams
 * interleave as they would in a real log), one event per append as the command runner does, many
 * appends in flight so that group commit packs them; synchronous=OFF, for setup speed only.
 *
 * A generated store is kept in `<tmpdir>/ticket-engine-bench/` and reused by later runs (the key
 * holds the generator version, the store schema version and the count); `--fresh` makes a new one.
 * The read models built from it for the memory benchmark are kept beside it the same way.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chainEvents, SqliteEventStore, type EventToAppend, type RecordedEvent } from '@app/event-store';
import { ReadModelStore, satisfactionProjection, slaComplianceProjection, warrantyArchiveProjection, type Projection } from '@app/projections';
import { SCHEMA_VERSION } from '../libs/event-store/src/sqlite/schema';
import { PolicyCatalog } from '../apps/api/src/policies/policy-catalog';
import { seededRandom } from '../libs/ticketing/src/testing/seeded-random';

/** Bump when the generated events change: older cached stores are then not reused. */
const GENERATOR_VERSION = 1;
export const EVENTS_PER_TICKET = 5;
export const POLICIES_FILE = resolve(__dirname, '../../config/sla-policies.json');

export interface Dataset {
  readonly dir: string;
  readonly eventsPath: string;
  readonly tickets: number;
  readonly events: number;
  /** Seconds the generation took, when this run generated it; undefined when reused. */
  readonly generatedSeconds?: number;
}

export function benchRoot(): string {
  return join(tmpdir(), 'ticket-engine-bench');
}


const YEAR_START = Date.parse('2025-01-01T00:00:00.000Z');
const YEAR_MS = 365 * 24 * 3600 * 1000;
const MINUTE = 60_000;

interface TicketPlan {
  readonly id: string;
  readonly times: Float64Array;
  readonly policyId: string;
  readonly customerId: string;
  readonly severity: 'general' | 'major';
  readonly zone: 'urban' | 'suburban';
  readonly channel: string;
  readonly engineerId: string;
  readonly correlationId: string;
}

function ticketId(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `b0000000-0000-4000-8000-${hex}`;
}

const CHANNELS = ['phone', 'web', 'email', 'fax', 'onsite'];
const SUMMARIES = [
  'Core switch in building B drops packets every few minutes; users cannot reach the ERP.',
  'Label printer on line 3 jams after every second roll and reports a sensor fault on restart.',
  'Storage array reports a degraded RAID group after a controller firmware update last night.',
  'Point-of-sale terminals in the east wing freeze during card payments since this morning.',
];

function plan(i: number, tickets: number): TicketPlan {
  const random = seededRandom(i * 2654435761 + 17);
  // Reports spread evenly over the year with some jitter; the rest of the life follows within hours.
  const reported = YEAR_START + Math.floor(((i + random()) / tickets) * YEAR_MS);
  const acknowledged = reported + (2 + random() * 30) * MINUTE;
  const dispatched = acknowledged + (1 + random() * 10) * MINUTE;
  // Mostly on site within the hour; about one in ten late.
  const arrived = dispatched + (random() < 0.9 ? 10 + random() * 40 : 60 + random() * 120) * MINUTE;
  const restored = arrived + (20 + random() * (random() < 0.92 ? 300 : 900)) * MINUTE;
  const roll = random();
  return {
    id: ticketId(i),
    times: Float64Array.of(reported, acknowledged, dispatched, arrived, restored),
    policyId: roll < 0.6 ? 'it-support-plan' : roll < 0.85 ? 'dealer-service' : 'it-support-business-hours',
    customerId: `customer-${Math.floor(random() * 5000)}`,
    severity: random() < 0.25 ? 'major' : 'general',
    zone: random() < 0.7 ? 'urban' : 'suburban',
    channel: CHANNELS[Math.floor(random() * CHANNELS.length)],
    engineerId: `eng-${Math.floor(random() * 400)}`,
    correlationId: randomUUID(),
  };
}

function iso(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

function eventOf(ticket: TicketPlan, step: number, random: () => number): EventToAppend {
  const at = iso(ticket.times[step]);
  const commandId = randomUUID();
  const metadata = {
    commandId,
    correlationId: ticket.correlationId,
    causationId: commandId,
    actor: step === 0 || step === 1 ? { name: 'call-centre', role: 'service' } : { name: 'field-app', role: 'service' },
    requestHash: randomBytes(32).toString('hex'),
    recordedAt: at,
    schemaVersion: 1,
  };
  switch (step) {
    case 0:
      return {
        type: 'TicketReported',
        data: {
          ticketId: ticket.id,
          customerId: ticket.customerId,
          channel: ticket.channel,
          kind: 'fault',
          severity: ticket.severity,
          zone: ticket.zone,
          summary: SUMMARIES[Math.floor(random() * SUMMARIES.length)],
          policyId: ticket.policyId,
          policyVersion: 1,
          at,
        },
        metadata,
      };
    case 1:
      return { type: 'ResponseAcknowledged', data: { by: `desk-${Math.floor(random() * 30)}`, note: 'called the customer back, engineer on the way', at }, metadata };
    case 2:
      return { type: 'EngineerDispatched', data: { engineerId: ticket.engineerId, tier: 'onsite', escalation: false, at }, metadata };
    case 3:
      return { type: 'EngineerArrived', data: { engineerId: ticket.engineerId, tier: 'onsite', at }, metadata };
    default:
      return { type: 'Restored', data: { by: ticket.engineerId, resolution: 'replaced the faulty line card and verified the link under load', at }, metadata };
  }
}

async function generate(path: string, tickets: number, log: (line: string) => void): Promise<void> {
  const plans: TicketPlan[] = new Array(tickets);
  for (let i = 0; i < tickets; i++) plans[i] = plan(i, tickets);
  // Every event, in business-time order: a real log interleaves the tickets' lives.
  const total = tickets * EVENTS_PER_TICKET;
  const times = new Float64Array(total);
  for (let i = 0; i < tickets; i++) for (let s = 0; s < EVENTS_PER_TICKET; s++) times[i * EVENTS_PER_TICKET + s] = plans[i].times[s];
  const order = new Uint32Array(total);
  for (let k = 0; k < total; k++) order[k] = k;
  order.sort((a, b) => times[a] - times[b] || a - b);

  const store = SqliteEventStore.open({ path, synchronous: 'OFF' });
  const lastHash: Array<string | undefined> = new Array(tickets);
  const random = seededRandom(7);
  const CHUNK = 20_000;
  const started = performance.now();
  try {
    for (let from = 0; from < total; from += CHUNK) {
      const appends: Array<Promise<unknown>> = [];
      for (let k = from; k < Math.min(total, from + CHUNK); k++) {
        const index = order[k];
        const ticket = plans[Math.floor(index / EVENTS_PER_TICKET)];
        const step = index % EVENTS_PER_TICKET;
        const stream = `ticket-${ticket.id}`;
        const t = Math.floor(index / EVENTS_PER_TICKET);
        const last = step === 0 ? undefined : ({ revision: step - 1, metadata: { hash: lastHash[t] } } as unknown as RecordedEvent);
        const [chained] = chainEvents(stream, last, [eventOf(ticket, step, random)]);
        lastHash[t] = String(chained.metadata!.hash);
        appends.push(store.append(stream, [chained], { expectedRevision: step === 0 ? 'no_stream' : step - 1 }));
      }
      await Promise.all(appends);
      if ((from / CHUNK) % 10 === 9) log(`  generated ${from + CHUNK} of ${total} events (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await store.close();
  }
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** The store of `tickets` tickets, generated now or reused from an earlier run. */
export async function ensureDataset(tickets: number, options: { fresh?: boolean; log?: (line: string) => void } = {}): Promise<Dataset> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = join(benchRoot(), `events-${tickets}t-g${GENERATOR_VERSION}-s${SCHEMA_VERSION}`);
  const eventsPath = join(dir, 'events.db');
  const marker = join(dir, 'complete.json');
  if (options.fresh) rmSync(dir, { recursive: true, force: true });
  if (existsSync(marker)) {
    const info = JSON.parse(readFileSync(marker, 'utf8')) as { events: number };
    log(`using the stored dataset ${dir} (${info.events} events; --fresh makes a new one)`);
    return { dir, eventsPath, tickets, events: info.events };
  }
  mkdirSync(benchRoot(), { recursive: true });
  // Generated beside, then renamed: a run stopped half-way never leaves a partial store to reuse.
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  log(`generating ${tickets * EVENTS_PER_TICKET} events (${tickets} tickets) into ${dir} ...`);
  const started = performance.now();
  await generate(join(building, 'events.db'), tickets, log);
  const generatedSeconds = (performance.now() - started) / 1000;
  const db = new Database(join(building, 'events.db'), { readonly: true });
  const events = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  db.close();
  writeFileSync(join(building, 'complete.json'), JSON.stringify({ tickets, events, generatedSeconds }));
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  log(`generated ${events} events in ${generatedSeconds.toFixed(1)} s`);
  return { dir, eventsPath, tickets, events, generatedSeconds };
}

export function allProjections(): Projection[] {
  const policies = PolicyCatalog.fromFile(POLICIES_FILE);
  return [slaComplianceProjection(policies.catalog), satisfactionProjection, warrantyArchiveProjection];
}

/**
 * The read models of every projection, caught up with the dataset, as the API leaves them
 * (`views.db`); built once per dataset and projection versions, then reused.
 */
export async function ensureViews(dataset: Dataset, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<string> {
  const projections = allProjections();
  const key = createHash('sha256')
    .update(projections.map((p) => `${p.name}@${p.version}`).join(','))
    .digest('hex')
    .slice(0, 10);
  const path = join(dataset.dir, `views-${key}.db`);
  const marker = `${path}.complete`;
  if (existsSync(marker)) return path;
  const building = `${path}.building-${process.pid}`;
  rmSync(building, { force: true });
  log(`building the read models of ${dataset.events} events (once per dataset) ...`);
  const started = performance.now();
  // One process per projection, as the CLI rebuilds: each starts from a clean heap.
  for (const projection of projections) await rebuildInChild(dataset.eventsPath, building, projection.name);
  const readModels = ReadModelStore.open(building);
  readModels.db.pragma('wal_checkpoint(TRUNCATE)');
  readModels.close();
  renameSync(building, path);
  writeFileSync(marker, '');
  log(`read models built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return path;
}

export interface RebuildResult {
  readonly seconds: number;
  readonly maxRssMb: number;
}

/**
 * `ProjectionRunner.rebuild(projection)` in a fresh process (bench/rebuild-child.js), as the CLI's
 * `rebuild` runs it; returns its time and the process's peak RSS.
 */
export function rebuildInChild(eventsPath: string, viewsPath: string, projection: string): Promise<RebuildResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'rebuild-child.js'), eventsPath, viewsPath, projection], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the rebuild of ${projection} exited with ${code}`));
      try {
        resolveResult(JSON.parse(out.trim().split('\n').pop()!) as RebuildResult);
      } catch (error) {
        reject(new Error(`the rebuild of ${projection} printed no result: ${(error as Error).message}`));
      }
    });
  });
}

/**
 * The baseline of the read benchmarks: every event in log order straight from SQLite, data and
 * metadata parsed, nothing else. Returns events/s.
 */
export function rawRead(eventsPath: string): { events: number; perSecond: number; seconds: number } {
  const db = new Database(eventsPath, { readonly: true });
  try {
    const statement = db.prepare('SELECT position, event_id, stream, revision, type, data, metadata, recorded_at FROM events ORDER BY position');
    const started = performance.now();
    let events = 0;
    let check = 0;
    for (const row of statement.iterate() as IterableIterator<{ data: string; metadata: string; revision: number }>) {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      // Touch the parsed values so that nothing can be skipped.
      if (data.at !== undefined && metadata.hash !== undefined) check += row.revision;
      events += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    if (check < 0) throw new Error('unreachable');
    return { events, perSecond: events / seconds, seconds };
  } finally {
    db.close();
  }
}
