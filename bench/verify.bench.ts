/**
 * The verify benchmark: `verifyStore` (what `ticket-audit verify` and GET /v1/audit/verify run:
 * the SQLite adapter's stored text in log order, the hash chain of every stream recomputed) over the generated store
 * (1,000,000 events; --quick: 100,000), against a raw read of the same events from SQLite in the
 * same run (SELECT ... ORDER BY position, JSON.parse of data and metadata).
 * Target: verify >= 0.5 of the raw read rate.
 * Usage: node dist/bench/verify.bench.js [--quick] [--fresh] [--json <file>]
 */
import { SqliteEventStore } from '@app/event-store';
import { verifyStore } from '../apps/api/src/audit/verify-chains';
import { freshMode, median, quickMode, ratioRow, runStandalone, type BenchRow } from './bench-support';
import { ensureDataset, rawRead, type Dataset } from './dataset';
import { PROJECTION_TICKETS } from './projections.bench';

async function verifyOnce(dataset: Dataset): Promise<{ perSecond: number; seconds: number }> {
  const store = SqliteEventStore.open({ path: dataset.eventsPath, synchronous: 'FULL' });
  try {
    const started = performance.now();
    const result = await verifyStore(store);
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok || result.checkedEvents !== dataset.events) {
      throw new Error(`verify found ${result.broken.length} broken chains and checked ${result.checkedEvents} of ${dataset.events} events`);
    }
    return { perSecond: result.checkedEvents / seconds, seconds };
  } finally {
    await store.close();
  }
}

export async function verifyBenchmark(options: { quick?: boolean; dataset?: Dataset } = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? quickMode();
  const dataset = options.dataset ?? (await ensureDataset(quick ? PROJECTION_TICKETS.quick : PROJECTION_TICKETS.full, { fresh: freshMode() }));
  rawRead(dataset.eventsPath);
  const verifies: number[] = [];
  const raws: number[] = [];
  let seconds = 0;
  for (let run = 0; run < 3; run++) {
    // Alternate the order so that neither side always runs on a warmer machine.
    const raw = run % 2 === 0 ? rawRead(dataset.eventsPath) : undefined;
    const verified = await verifyOnce(dataset);
    const rawAfter = raw ?? rawRead(dataset.eventsPath);
    raws.push(rawAfter.perSecond);
    verifies.push(verified.perSecond);
    seconds += verified.seconds + rawAfter.seconds;
    process.stderr.write(`verify run ${run + 1}: ${verified.perSecond.toFixed(0)} events/s (${verified.seconds.toFixed(1)} s), raw read ${rawAfter.perSecond.toFixed(0)} events/s\n`);
    if (seconds > 90) break;
  }
  const size = `${dataset.events.toLocaleString('en-US')} events`;
  return [ratioRow(`verify hash chains, ${size} (${verifies.length} run${verifies.length > 1 ? 's' : ''}), vs raw read`, median(verifies), 'events/s', median(raws), { min: 0.5 })];
}

if (require.main === module) runStandalone('verify benchmark', () => verifyBenchmark());
