/**
 * The projections benchmark: the ProjectionRunner's `rebuild(name)` of `sla-compliance` and of
 * `satisfaction` over the generated store (1,000,000 events, 200,000 tickets; --quick: 100,000
 * events, 20,000 tickets), each against a raw read of the same events from SQLite in the same run
 * (SELECT ... ORDER BY position, JSON.parse of data and metadata); then the p50/p99 of the
 * compliance summary grouped by month (`queryCompliance`, what GET /v1/views/sla-compliance?groupBy=month
 * runs) over the rebuilt read model.
 * Targets: rebuild >= 0.3 of the raw read rate; summary p99 < 50 ms.
 * Usage: node dist/bench/projections.bench.js [--quick] [--fresh] [--json <file>]
 */
import { join } from 'node:path';
import { queryCompliance, ReadModelStore } from '@app/projections';
import { freshMode, infoRow, limitRow, median, quantile, quickMode, ratioRow, runStandalone, tempDir, type BenchRow } from './bench-support';
import { ensureDataset, rawRead, rebuildInChild, type Dataset } from './dataset';

export const PROJECTION_TICKETS = { full: 200_000, quick: 20_000 };

/**
 * One rebuild of `name` into a fresh read-model file, in a process of its own (as the CLI's
 * `rebuild` runs); returns events/s over the whole log and the process's peak RSS.
 */
async function rebuildOnce(dataset: Dataset, name: string): Promise<{ perSecond: number; seconds: number; maxRssMb: number; viewsPath: string; dir: { remove(): void } }> {
  const dir = tempDir('bench-projections-');
  const viewsPath = join(dir.path, 'views.db');
  const result = await rebuildInChild(dataset.eventsPath, viewsPath, name);
  return { perSecond: dataset.events / result.seconds, seconds: result.seconds, maxRssMb: result.maxRssMb, viewsPath, dir };
}

/** Query timings of the month summary, in ms, after a few warm-up calls. */
function summaryTimings(viewsPath: string, count: number): number[] {
  const readModels = ReadModelStore.open(viewsPath);
  try {
    const tables = readModels.liveTables('sla-compliance');
    if (!tables) throw new Error('sla-compliance has no live generation after its rebuild');
    const now = new Date().toISOString();
    const run = () => queryCompliance(readModels.db, tables, { groupBy: 'month' }, now);
    const groups = run();
    if (groups.length < 1) throw new Error('the month summary came back empty');
    for (let i = 0; i < 2; i++) run();
    const timings: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      run();
      timings.push(performance.now() - started);
    }
    return timings;
  } finally {
    readModels.close();
  }
}

export async function projectionsBenchmark(options: { quick?: boolean; dataset?: Dataset } = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? quickMode();
  const dataset = options.dataset ?? (await ensureDataset(quick ? PROJECTION_TICKETS.quick : PROJECTION_TICKETS.full, { fresh: freshMode() }));
  const size = `${dataset.events.toLocaleString('en-US')} events`;
  const log = (line: string) => process.stderr.write(`projections: ${line}\n`);
  const rows: BenchRow[] = [];
  // Raw read first, once to warm the page cache, so neither side pays for the cold file.
  rawRead(dataset.eventsPath);
  let viewsForQueries: string | undefined;
  const cleanups: Array<{ remove(): void }> = [];
  try {
    for (const name of ['sla-compliance', 'satisfaction']) {
      const rebuilds: number[] = [];
      const peaks: number[] = [];
      const raws: number[] = [];
      let seconds = 0;
      for (let run = 0; run < 3; run++) {
        const raw = rawRead(dataset.eventsPath);
        raws.push(raw.perSecond);
        const rebuilt = await rebuildOnce(dataset, name);
        rebuilds.push(rebuilt.perSecond);
        peaks.push(rebuilt.maxRssMb);
        seconds += rebuilt.seconds;
        log(`${name} run ${run + 1}: rebuild ${rebuilt.perSecond.toFixed(0)} events/s (${rebuilt.seconds.toFixed(1)} s, peak RSS ${rebuilt.maxRssMb.toFixed(0)} MB), raw read ${raw.perSecond.toFixed(0)} events/s`);
        if (name === 'sla-compliance' && !viewsForQueries) viewsForQueries = rebuilt.viewsPath;
        cleanups.push(rebuilt.dir);
        // Long rebuilds run fewer times (a single one over a minute is its own median).
        if (seconds > (quick ? 6 : 60)) break;
      }
      rows.push(ratioRow(`rebuild ${name}, ${size} (${rebuilds.length} run${rebuilds.length > 1 ? 's' : ''}), vs raw read`, median(rebuilds), 'events/s', median(raws), { min: 0.3 }));
      rows.push(infoRow(`rebuild ${name}, ${size}: peak RSS of the rebuilding process`, median(peaks), 'MB'));
    }
    const timings = summaryTimings(viewsForQueries!, quick ? 30 : 50);
    const tickets = `${dataset.tickets.toLocaleString('en-US')} tickets`;
    rows.push(infoRow(`compliance summary by month p50, ${tickets}`, quantile(timings, 0.5), 'ms'));
    rows.push(limitRow(`compliance summary by month p99, ${tickets} (${timings.length} queries)`, quantile(timings, 0.99), 'ms', { below: 50 }));
  } finally {
    for (const dir of cleanups) dir.remove();
  }
  return rows;
}

if (require.main === module) runStandalone('projections benchmark', () => projectionsBenchmark());
