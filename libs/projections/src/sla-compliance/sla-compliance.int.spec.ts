import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SqliteEventStore, type EventStore } from '@app/event-store';
import { dueSlaAlarms, type SlaPolicy, type SlaPolicyCatalog, type TicketCommand, type TicketEvent } from '@app/ticketing';
import { faultSteps, runSteps } from '@app/ticketing/sla/testing/random-history';
import { SHANGHAI_OFFICE } from '@app/ticketing/sla/testing/calendars';
import { GROUP_BYS, type GroupBy, type ViewFilter } from '../views/view-query';
import { tableNamesFor, type Projection, type TableNames } from '../projection';
import { ProjectionRunner } from '../projection-runner';
import { GenerationRetired, ReadModelStore } from '../read-model-store';
import { slaComplianceProjection } from './sla-compliance.projection';
import { IT_PLAN as SEED_IT_PLAN } from '@app/ticketing/sla/testing/clock-spec';
import { seededRandom } from '@app/ticketing/testing/seeded-random';
import { countsPlan, queryCompliance, scanCompliance } from './sla-compliance.query';

// The seed's IT support plan (a reprioritized ticket re-targets its clocks: groups then hold two
// targets), with an escalation so breaches raise one.
const IT_PLAN: SlaPolicy = { ...SEED_IT_PLAN, escalations: [{ metric: 'onsiteResolution', on: 'breach', reason: 'send a senior' }] };
const IT_PLAN_V2: SlaPolicy = { ...IT_PLAN, version: 2, consultationAverage: 'PT10M' };
const DEALER: SlaPolicy = {
  ...IT_PLAN,
  id: 'dealer-service',
  targets: {
    general: { response: 'PT30M', arrival: { urban: 'PT2H', suburban: 'PT4H' }, restoration: 'PT8H', report: 'PT24H' },
    major: { response: 'PT30M', arrival: { urban: 'PT2H', suburban: 'PT4H' }, restoration: 'PT8H', report: 'PT24H' },
  },
};
const OFFICE_PLAN: SlaPolicy = { ...IT_PLAN, id: 'office-hours', calendar: SHANGHAI_OFFICE };
const CATALOG: SlaPolicyCatalog = { defaultPolicyId: 'it-support-plan', policies: [IT_PLAN, IT_PLAN_V2, DEALER, OFFICE_PLAN] };
const POLICIES = [IT_PLAN, IT_PLAN_V2, DEALER, OFFICE_PLAN];

const START = Date.parse('2026-10-26T00:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;


interface Planned {
  readonly stream: string;
  readonly events: TicketEvent[];
}

/**
 * Tickets over ten days: faults and consultations under four policies (one on business hours,
 * one policy in two versions), random commands (pauses, re-prioritizations, restores, reopens,
 * reports, closes), the alarms the engine owed at the end of each, and some left open.
 */
function plannedTickets(count: number): Planned[] {
  const random = seededRandom(7);
  const samples = fc.sample(faultSteps, { seed: 42, numRuns: count });
  return samples.map(({ report, steps }, i) => {
    const policy = POLICIES[Math.floor(random() * POLICIES.length)];
    const kind = random() < 0.15 ? 'consultation' : 'fault';
    const reportCommand = {
      ...report,
      data: {
        ...report.data,
        ticketId: `T-${i}`,
        customerId: `C-${Math.floor(random() * 6)}`,
        kind,
        policyId: policy.id,
        policyVersion: policy.version,
      },
    } as TicketCommand;
    // Engineers e1/e2 come from the steps; some tickets get their own engineers.
    const renamed = steps.map((step) =>
      'engineerId' in step.command.data && random() < 0.3
        ? { ...step, command: { ...step.command, data: { ...step.command.data, engineerId: `e${3 + (i % 3)}` } } as TicketCommand }
        : step,
    );
    const startMs = START + Math.floor(random() * 10 * DAY);
    // Most consultations are answered: acknowledged, then restored minutes later.
    const answered: typeof steps =
      kind === 'consultation' && random() < 0.8
        ? [
            { minutes: Math.floor(random() * 10), command: { type: 'AcknowledgeResponse', data: { by: 'desk' } } },
            { minutes: Math.floor(random() * 20), command: { type: 'RestoreService', data: { by: 'desk', resolution: 'answered' } } },
          ]
        : [];
    const { events, endMs } = runSteps(startMs, reportCommand, [...answered, ...renamed.slice(0, Math.floor(random() * (renamed.length + 1)))]);
    const history = events.map((event, revision) => ({ revision, event }));
    const alarms = random() < 0.7 ? dueSlaAlarms(history, policy, new Date(endMs + Math.floor(random() * DAY)).toISOString()) : [];
    return { stream: `ticket-T-${i}`, events: [...events, ...alarms] };
  });
}

/** Appends the tickets' events interleaved, one or a few per append, as a live log would hold them. */
async function appendInterleaved(store: EventStore, tickets: Planned[]): Promise<void> {
  const random = seededRandom(11);
  const next = tickets.map(() => 0);
  let open = tickets.map((_, i) => i).filter((i) => tickets[i].events.length > 0);
  while (open.length > 0) {
    const i = open[Math.floor(random() * open.length)];
    const take = 1 + Math.floor(random() * 3);
    const events = tickets[i].events.slice(next[i], next[i] + take);
    await store.append(tickets[i].stream, events.map((event) => ({ type: event.type, data: event.data as unknown as Record<string, unknown> })), {
      expectedRevision: next[i] === 0 ? 'no_stream' : next[i] - 1,
    });
    next[i] += events.length;
    open = open.filter((j) => next[j] < tickets[j].events.length);
  }
}

/** Every subset of the filters, with values that occur in the data. */
function filterSets(values: { policyId: string; severity: string; customerId: string; engineerId: string }) {
  const names = Object.keys(values) as Array<keyof typeof values>;
  const sets: Array<Partial<typeof values>> = [];
  for (let mask = 0; mask < 1 << names.length; mask++) {
    sets.push(Object.fromEntries(names.filter((_, bit) => mask & (1 << bit)).map((name) => [name, values[name]])));
  }
  return sets;
}

describe('sla-compliance summary from the counts', () => {
  let dir: string;
  let store: EventStore;
  let readModels: ReadModelStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sla-counts-'));
    store = SqliteEventStore.open({ path: join(dir, 'events.db') });
    readModels = ReadModelStore.open(join(dir, 'views.db'));
    await appendInterleaved(store, plannedTickets(260));
    // Small batches: most tickets are applied over several of them, so their counts are moved.
    await new ProjectionRunner(store, readModels, [slaComplianceProjection(CATALOG)], { batchSize: 17 }).rebuild('sla-compliance');
  }, 120_000);
  afterAll(async () => {
    readModels.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tables = () => readModels.liveTables('sla-compliance')!;
  const one = (sql: string) => readModels.db.prepare(sql).get() as Record<string, string | number | null>;

  it('is built from a data set that holds every kind of clock the summary tells apart', () => {
    const t = tables();
    const clocks = t('sla_clocks');
    const figures = one(`SELECT sum(outcome = 'met') AS met, sum(outcome = 'breached') AS breached, sum(outcome IS NULL AND paused = 1) AS paused,
                                sum(outcome IS NULL AND paused = 0) AS open, count(DISTINCT target) AS targets FROM ${clocks}`);
    expect(figures).toEqual({ met: expect.any(Number), breached: expect.any(Number), paused: expect.any(Number), open: expect.any(Number), targets: expect.any(Number) });
    for (const value of Object.values(figures)) expect(Number(value)).toBeGreaterThan(1);
    expect(Number(one(`SELECT count(*) AS n FROM ${t('sla_alarms')}`).n)).toBeGreaterThan(10);
    expect(Number(one(`SELECT count(handling_ms) AS n FROM ${t('sla_consultations')}`).n)).toBeGreaterThan(3);
    // Reopened tickets, whose restoration clocks ran again after a restore.
    expect(Number(one(`SELECT count(*) AS n FROM ${t('sla_histories')} WHERE history LIKE '%TicketReopened%'`).n)).toBeGreaterThan(3);
    expect(Number(one(`SELECT count(*) AS n FROM ${t('sla_counts')}`).n)).toBeGreaterThan(50);
  });

  it('answers every grouping, filter, period and now exactly as the scan of the rows', () => {
    const t = tables();
    const clocks = t('sla_clocks');
    const sample = one(`SELECT policy_id, severity, customer_id, engineer_id FROM ${clocks} WHERE engineer_id IS NOT NULL LIMIT 1 OFFSET 5`);
    const values = {
      policyId: String(sample.policy_id),
      severity: String(sample.severity),
      customerId: String(sample.customer_id),
      engineerId: String(sample.engineer_id),
    };
    // An open clock's due time itself: at that instant it is breached (due_at <= now).
    const dueNow = String(one(`SELECT due_at FROM ${clocks} WHERE outcome IS NULL AND paused = 0 ORDER BY due_at LIMIT 1 OFFSET 20`).due_at);
    const nows = [
      '2026-10-20T00:00:00.000Z',
      '2026-10-30T13:07:00.000Z',
      '2026-11-02T00:00:00.000Z',
      dueNow,
      new Date(Date.parse(dueNow) - 1).toISOString(),
      '2027-03-01T00:00:00.000Z',
    ];
    const periods: Array<Pick<ViewFilter, 'from' | 'to'>> = [
      {},
      { from: '2026-10-29T00:00:00.000Z' },
      { to: '2026-11-01T00:00:00.000Z' },
      { from: '2026-10-28T00:00:00.000Z', to: '2026-11-03T00:00:00.000Z' },
      { from: '2026-10-28T09:30:00.000Z', to: '2026-11-03T17:45:00.000Z' },
      { from: '2026-10-28', to: '2026-11-03' },
      { from: '2026-10-30T06:00:00.000Z', to: '2026-10-30T20:00:00.000Z' },
      { from: '2026-10-30T06:00:00.000Z', to: '2026-10-31T20:00:00.000Z' },
      { from: '2026-11-04T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
    ];
    const groupBys: Array<GroupBy | undefined> = [undefined, ...GROUP_BYS];
    const metrics = [undefined, 'restoration', 'response', 'report', 'consultationAverage'];
    let compared = 0;
    for (const groupBy of groupBys) {
      for (const filters of filterSets(values)) {
        for (const period of periods) {
          for (const now of nows) {
            for (const metric of metrics) {
              const filter = { ...filters, ...period, groupBy, metric };
              // A grouping or filter by customer or engineer reads the rows: the same code as the scan.
              if (!countsPlan(filter, now)) continue;
              const expected = scanCompliance(readModels.db, t, filter, now);
              const actual = queryCompliance(readModels.db, t, filter, now);
              // Same figures, same group and metric order (the JSON text the API sends).
              if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ filter, now, actual }).toEqual({ filter, now, actual: expected });
              compared += 1;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(4_000);
    // The customer and engineer queries are those the counts leave to the scan.
    expect(countsPlan({ groupBy: 'customer' }, nows[0])).toBeUndefined();
    expect(countsPlan({ engineerId: values.engineerId }, nows[0])).toBeUndefined();
  });

  it('takes a from at 00:00 UTC (as the API sends a date) as a whole day', () => {
    const now = '2026-11-02T00:00:00.000Z';
    expect(countsPlan({ from: '2026-10-28T00:00:00.000Z' }, now)?.wholeFrom).toBe('2026-10-28');
    expect(countsPlan({ from: '2026-10-28' }, now)?.wholeFrom).toBe('2026-10-28');
    expect(countsPlan({ from: '2026-10-28T00:00:00.001Z' }, now)?.wholeFrom).toBe('2026-10-29');
  });

  it('answers by the rows from a generation built before the counts existed (a live version 2 while 3 is built)', () => {
    const t = tables();
    const filter = { groupBy: 'month' as GroupBy, from: '2026-10-28T00:00:00.000Z' };
    const now = '2026-11-02T00:00:00.000Z';
    const expected = JSON.stringify(scanCompliance(readModels.db, t, filter, now));
    const counts = t('sla_counts');
    readModels.db.exec(`ALTER TABLE ${counts} RENAME TO ${counts}_aside`);
    try {
      expect(JSON.stringify(queryCompliance(readModels.db, t, filter, now))).toBe(expected);
    } finally {
      readModels.db.exec(`ALTER TABLE ${counts}_aside RENAME TO ${counts}`);
    }
  });

  it('counts open clocks by their due time against now: breached from the due instant on', () => {
    const t = tables();
    const dueNow = String(one(`SELECT due_at FROM ${t('sla_clocks')} WHERE outcome IS NULL AND paused = 0 ORDER BY due_at LIMIT 1 OFFSET 20`).due_at);
    const before = new Date(Date.parse(dueNow) - 1).toISOString();
    const total = (now: string) => queryCompliance(readModels.db, t, {}, now)[0].metrics;
    const breached = (now: string) => Object.values(total(now)).reduce((sum, m) => sum + ('breached' in m ? m.breached : 0), 0);
    expect(breached(dueNow)).toBeGreaterThan(breached(before));
  });

  /** Rows of `sla_counts` that the clock, alarm and consultation tables do not count again, both ways. */
  const uncounted = (t: TableNames) => {
    // One query (a compound SELECT would bind to the EXCEPT below).
    const recount = `SELECT * FROM (
      SELECT 'clock', substr(reported_at, 1, 10), metric, policy_id, policy_version, severity, target, 0,
             coalesce(outcome, CASE WHEN paused = 1 THEN 'paused' ELSE 'open' END) AS state,
             CASE WHEN outcome IS NULL AND paused = 0 THEN substr(due_at, 1, 10) ELSE '' END AS due_day,
             count(*), count(*), 0
        FROM ${t('sla_clocks')} GROUP BY 2, 3, 4, 5, 6, 7, 9, 10
      UNION ALL
      SELECT 'alarm', substr(reported_at, 1, 10), metric, policy_id, policy_version, severity, '', 0, type, '', count(*), count(*), 0
        FROM ${t('sla_alarms')} GROUP BY 2, 3, 4, 5, 6, 9
      UNION ALL
      SELECT 'consultation', substr(reported_at, 1, 10), 'consultationAverage', policy_id, policy_version, severity, target, target_ms, '', '',
             count(*), count(handling_ms), coalesce(sum(handling_ms), 0)
        FROM ${t('sla_consultations')} GROUP BY 2, 4, 5, 6, 7, 8)`;
    const stored = `SELECT * FROM ${t('sla_counts')}`;
    return [one(`SELECT count(*) AS n FROM (${stored} EXCEPT ${recount})`).n, one(`SELECT count(*) AS n FROM (${recount} EXCEPT ${stored})`).n];
  };

  it('holds in sla_counts exactly the rows counted again from the clock, alarm and consultation tables', () => {
    const t = tables();
    expect(Number(one(`SELECT count(*) AS n FROM ${t('sla_counts')}`).n)).toBeGreaterThan(100);
    expect(uncounted(t)).toEqual([0, 0]);
  });

  it('holds the same counts when the log is applied in other batches', async () => {
    const runner = new ProjectionRunner(store, readModels, [slaComplianceProjection(CATALOG)], { batchSize: 500 });
    const { differences } = await runner.rebuild('sla-compliance', { compare: true });
    expect(differences).toBe(0);
  });

  // A rebuild's writes run a few batches behind its decisions: a ticket whose last batch is still
  // in flight is read from what the pipeline wrote, one whose batches are committed from the
  // tables. Batches of 5 events: most tickets come back while their last batch is in flight;
  // batches of 60: most after it was committed.
  for (const batchSize of [5, 60]) {
    it(`rebuilds the same rows with its writes behind on another connection (batches of ${batchSize})`, async () => {
      const runner = new ProjectionRunner(store, readModels, [slaComplianceProjection(CATALOG)], { batchSize, rebuildWrites: 'deferred' });
      const { differences } = await runner.rebuild('sla-compliance', { compare: true });
      expect(differences).toBe(0);
    });
  }

  it('builds two generations at once, each with its own writes in flight: the one promoted is exact, the other retired', async () => {
    const runners = [5, 7].map((batchSize) => new ProjectionRunner(store, readModels, [slaComplianceProjection(CATALOG)], { batchSize, rebuildWrites: 'deferred' }));
    // The first to catch up is promoted and drops the other's tables, as with direct writes.
    const results = await Promise.allSettled(runners.map((runner) => runner.rebuild('sla-compliance')));
    const promoted = readModels.live('sla-compliance')!.generation;
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      expect(result.reason).toBeInstanceOf(GenerationRetired);
    }
    expect(results.some((result) => result.status === 'fulfilled' && result.value.generation === promoted)).toBe(true);
    expect(Number(one(`SELECT count(*) AS n FROM ${tableNamesFor(promoted)('sla_clocks')}`).n)).toBeGreaterThan(100);
    const direct = new ProjectionRunner(store, readModels, [slaComplianceProjection(CATALOG)], { rebuildWrites: 'direct' });
    expect((await direct.rebuild('sla-compliance', { compare: true })).differences).toBe(0);
  });

  it('keeps nothing of a pipelined rebuild whose writer failed: the next one is identical to the live rows', async () => {
    const base = slaComplianceProjection(CATALOG);
    const live = tables();
    // The ticket with the longest history fails once it holds four events: its earlier batches were written.
    const victim = String(one(`SELECT ticket_id FROM ${live('sla_histories')} ORDER BY json_array_length(history) DESC LIMIT 1`).ticket_id);
    readModels.db.exec('CREATE TABLE IF NOT EXISTS fail_switch (on_ INTEGER); INSERT INTO fail_switch VALUES (1)');
    const failing: Projection = {
      ...base,
      createSchema(db, t) {
        base.createSchema(db, t);
        db.exec(`CREATE TRIGGER ${t('sla_clocks')}_fail BEFORE INSERT ON ${t('sla_clocks')}
                   WHEN NEW.ticket_id = '${victim}' AND EXISTS (SELECT 1 FROM fail_switch)
                    AND (SELECT json_array_length(history) FROM ${t('sla_histories')} WHERE ticket_id = NEW.ticket_id) >= 4
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
      },
    };
    const runner = new ProjectionRunner(store, readModels, [failing], { batchSize: 5, rebuildWrites: 'deferred' });
    await expect(runner.rebuild('sla-compliance')).rejects.toThrow('injected failure');
    const failed = readModels.generations('sla-compliance').find((g) => g.status === 'building')!;
    const t = tableNamesFor(failed.generation);
    // The failed generation holds whole batches up to its checkpoint: its counts are its rows'.
    expect(failed.position).toBeDefined();
    expect(Number(one(`SELECT count(*) AS n FROM ${t('sla_histories')} WHERE ticket_id = '${victim}'`).n)).toBe(1);
    expect(uncounted(t)).toEqual([0, 0]);
    // The same runner and projection again, the fault gone.
    readModels.db.exec('DELETE FROM fail_switch');
    const { differences } = await runner.rebuild('sla-compliance', { compare: true });
    expect(differences).toBe(0);
  });
});
