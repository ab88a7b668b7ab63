import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStore, readStreamOrEmpty, type EventStore } from '@app/event-store';
import { DEFAULT_SCHEDULE_OPTIONS, SCHEDULE_EVENT_TYPES, type AssetRegistered } from '@app/ticketing';
import { CommandStreams } from '../commands/command-streams';
import { appendChained } from '../commands/stream-commands';
import type { AppConfig } from '../config/app-config';
import { RaiseScheduleEvents, RaiseScheduleEventsHandler } from './raise-schedule-events.handler';

/** Two handlers on two connections to one store file, as two processes would be, raising at once. */
describe('RaiseScheduleEventsHandler', () => {
  let dir: string;
  let stores: EventStore[];
  const clock = { now: () => '2025-02-01T00:00:00.000Z' };
  const config = { schedule: DEFAULT_SCHEDULE_OPTIONS } as AppConfig;
  const registered: AssetRegistered = {
    type: 'AssetRegistered',
    data: {
      assetId: 'A-19',
      customerId: 'C-19',
      name: 'Shanghai office fit-out',
      kind: 'renovation',
      acceptedAt: '2023-01-10',
      timeZone: 'Asia/Shanghai',
      coverages: [{ category: 'general', startsFrom: 'acceptance', years: 2 }],
      entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 1 },
      at: '2023-01-10T02:00:00.000Z',
    },
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schedule-'));
    const location = { kind: 'sqlite' as const, path: join(dir, 'events.db') };
    stores = [await openEventStore(location), await openEventStore(location)];
    const metadata = { commandId: 'register', correlationId: 'register', causationId: 'register', actor: { name: 'test', role: 'service' } };
    await appendChained(stores[0], 'asset-A-19', [], [registered], () => 1, metadata, registered.data.at);
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The stores with their first two stream reads held until both have read: both handlers decide
   * on the same revision before either appends, as two processes may.
   */
  function racing(all: EventStore[]): EventStore[] {
    let reads = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((done) => (release = done));
    return all.map(
      (store) =>
        new Proxy(store, {
          get(target, property, receiver) {
            if (property !== 'readStream') return Reflect.get(target, property, receiver);
            return (...args: Parameters<EventStore['readStream']>) =>
              (async function* () {
                const events = [];
                for await (const event of target.readStream(...args)) events.push(event);
                if (reads < 2 && ++reads === 2) release();
                if (reads <= 2) await bothRead;
                yield* events;
              })();
          },
        }),
    );
  }

  it('appends each owed event once when two raise at the same moment, in the order they fell due', async () => {
    const handlers = racing(stores).map((store) => new RaiseScheduleEventsHandler(store, clock, config, new CommandStreams(store)));
    const outcomes = await Promise.all(handlers.map((handler) => handler.execute(new RaiseScheduleEvents('A-19'))));
    expect(outcomes.map((o) => o.raised).sort()).toEqual([0, 7]);
    const stream = await readStreamOrEmpty(stores[0], 'asset-A-19');
    const schedule = stream.filter((e) => (SCHEDULE_EVENT_TYPES as readonly string[]).includes(e.type));
    expect(schedule.map((e) => `${e.type} ${(e.data as { dueOn: string }).dueOn}`)).toEqual([
      'InspectionDue 2023-01-11',
      'InspectionOverdue 2024-01-11',
      'InspectionDue 2024-01-11',
      'CoverageEnding 2024-12-11',
      'CoverageEnding 2025-01-03',
      'InspectionOverdue 2025-01-11',
      'CoverageEnded 2025-01-11',
    ]);
    expect(new Set(schedule.map((e) => e.metadata.commandId)).size).toBe(1);
    // Asked again, nothing more is owed.
    expect(await handlers[1].execute(new RaiseScheduleEvents('A-19'))).toEqual({ raised: 0 });
  });
});
