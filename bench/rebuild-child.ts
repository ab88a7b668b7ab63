/**
 * One projection rebuild in a process of its own, as `ticket-audit rebuild <name>` runs it:
 * `ProjectionRunner.rebuild(name)` of the store at <events.db> into the read models at <views.db>.
 * Prints one JSON line: { seconds, maxRssMb }.
 *
 * The benchmarks run every rebuild in a fresh process, so that each starts from the same heap and
 * its peak RSS is its own (a rebuild once kept every event it read until its process ended: a
 * second rebuild of a million events in one process ran out of heap; see bench/README.md).
 * Usage: node dist/bench/rebuild-child.js <events.db> <views.db> <projection>
 * (`rebuildInChild` in dataset.ts runs it.)
 */
import { SqliteEventStore } from '@app/event-store';
import { ProjectionRunner, ReadModelStore } from '@app/projections';
import { allProjections } from './dataset';

async function main(): Promise<void> {
  const [eventsPath, viewsPath, name] = process.argv.slice(2);
  const store = SqliteEventStore.open({ path: eventsPath, synchronous: 'FULL' });
  const readModels = ReadModelStore.open(viewsPath);
  try {
    const runner = new ProjectionRunner(store, readModels, allProjections());
    const started = performance.now();
    await runner.rebuild(name);
    const seconds = (performance.now() - started) / 1000;
    // maxRSS is in kB.
    process.stdout.write(`${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  } finally {
    readModels.close();
    await store.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
