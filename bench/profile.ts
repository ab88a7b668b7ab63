/**
 * Profiling aid for the benchmarks whose targets fail: runs one workload over the generated store
 * under the V8 CPU profiler and prints the functions with the most self time.
 *
 *   node dist/bench/profile.js <workload> [--quick]
 *     workload: rebuild:<projection> | verify | summary | append:<events per append>:<synchronous>
 *     (append: 32 concurrent appenders through the port for 5 s, as in emmett.bench.ts)
 *   node dist/bench/profile.js top <file.cpuprofile> [n]
 *
 * The workload is profiled with `node --cpu-prof` in a child process, so the figures are those of
 * the real code path, not of an instrumented copy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type SqliteSynchronous } from '@app/event-store';
import { samplePayload } from './bench-support';
import { ProjectionRunner, queryCompliance, ReadModelStore } from '@app/projections';
import { verifyStore } from '../apps/api/src/audit/verify-chains';
import { allProjections, ensureDataset, ensureViews } from './dataset';
import { PROJECTION_TICKETS } from './projections.bench';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** The functions with the most self time in a .cpuprofile, as [percent, name, where]. */
export function topSelfTime(file: string, count = 15): Array<{ percent: number; name: string; where: string }> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (const sample of profile.samples) {
    const node = byNode.get(sample);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(dist|node_modules)\//, '$1/');
    const key = `${functionName || '(anonymous)'}\t${file ? `${file}:${lineNumber + 1}` : ''}`;
    totals.set(key, (totals.get(key) ?? 0) + 1);
  }
  const all = profile.samples.length;
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, hits]) => {
      const [name, where] = key.split('\t');
      return { percent: (hits / all) * 100, name, where };
    });
}

async function runWorkload(workload: string, quick: boolean): Promise<void> {
  const dataset = workload.startsWith('append:') ? undefined : await ensureDataset(quick ? PROJECTION_TICKETS.quick : PROJECTION_TICKETS.full);
  const started = performance.now();
  if (workload.startsWith('rebuild:')) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
    const store = SqliteEventStore.open({ path: dataset!.eventsPath });
    const readModels = ReadModelStore.open(join(dir, 'views.db'));
    await new ProjectionRunner(store, readModels, allProjections()).rebuild(workload.slice('rebuild:'.length));
    readModels.close();
    await store.close();
  } else if (workload.startsWith('append:')) {
    const [, perAppend, synchronous] = workload.split(':');
    const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
    const store = SqliteEventStore.open({ path: join(dir, 'events.db'), synchronous: synchronous as SqliteSynchronous });
    const deadline = performance.now() + 5000;
    let events = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, appender) => {
        for (let n = 0, revision = -1; performance.now() < deadline; n++) {
          const batch = Array.from({ length: Number(perAppend) }, (_, i) => ({ type: 'TicketReported', ...samplePayload(n + i) }));
          await store.append(`ticket-a${appender}`, batch, { expectedRevision: revision < 0 ? 'no_stream' : revision });
          revision += batch.length;
          events += batch.length;
        }
      }),
    );
    await store.close();
    process.stderr.write(`${events} events appended\n`);
  } else if (workload === 'verify') {
    const store = SqliteEventStore.open({ path: dataset!.eventsPath });
    await verifyStore(store);
    await store.close();
  } else if (workload === 'summary') {
    const readModels = ReadModelStore.open(await ensureViews(dataset!));
    const tables = readModels.liveTables('sla-compliance')!;
    for (let i = 0; i < 20; i++) queryCompliance(readModels.db, tables, { groupBy: 'month' }, new Date().toISOString());
    readModels.close();
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  process.stderr.write(`${workload}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { quick: { type: 'boolean' } }, allowPositionals: true });
  const [command, argument, n] = positionals;
  const quick = values.quick === true;
  if (command === 'top') {
    for (const row of topSelfTime(argument, Number(n ?? 15))) process.stdout.write(`${row.percent.toFixed(1).padStart(5)}%  ${row.name}  ${row.where}\n`);
    return;
  }
  if (command === 'run') return runWorkload(argument, quick);
  // Make (or reuse) the dataset outside the profile, then profile the workload alone.
  if (!command.startsWith('append:')) {
    const dataset = await ensureDataset(quick ? PROJECTION_TICKETS.quick : PROJECTION_TICKETS.full);
    if (command === 'summary') await ensureViews(dataset);
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprofile-'));
  const child = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, __filename, 'run', command, ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
  if (child.status !== 0) throw new Error(`the profiled run exited with ${child.status}`);
  // A profile per thread: the main thread's first, then a worker's (a rebuild's writer thread).
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .map((name) => join(dir, name));
  for (const [i, file] of files.entries()) {
    process.stdout.write(`profile${files.length > 1 ? ` (${i === 0 ? 'main thread' : `worker thread ${i}`})` : ''}: ${file}\ntop self time:\n`);
    for (const row of topSelfTime(file)) process.stdout.write(`${row.percent.toFixed(1).padStart(5)}%  ${row.name}  ${row.where}\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
