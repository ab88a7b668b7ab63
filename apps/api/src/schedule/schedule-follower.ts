import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EventStoreUnavailable } from '@app/event-store';
import type { ReadModelStore } from '@app/projections';
import { APP_CONFIG } from '../event-store/event-store.module';
import { CLOCK, type Clock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { READ_MODELS } from '../projections/projections.module';
import { RaiseScheduleEvents } from './raise-schedule-events.handler';

/** How often the follower looks when nothing falls due sooner: the bound on lateness. */
const LOOK_EVERY_MS = 1000;
/** An asset just handled is not looked at again until the projection has seen its new events. */
const SETTLE_MS = 2000;
/** Due assets read at a time; a tick reads page after page until it has seen every due one. */
const PAGE_SIZE = 100;
/** An asset whose due row raised nothing is tried again after SETTLE_MS, then twice as long each time, up to this. */
const MAX_RETRY_MS = 60_000;

interface Held {
  readonly nextAt: string;
  readonly untilMs: number;
  readonly retryMs: number;
}

/**
 * Acts on the assets' dates by itself: reads the earliest next due instants the schedule
 * projection keeps (an index lookup, never a scan of the assets) and, when one has come, asks for
 * the asset's owed schedule events to be appended. After downtime, everything owed is appended in
 * the order it fell due, each event dated at local midnight of its day. Any number of processes
 * may run it: the append decides who raised an event (see RaiseScheduleEventsHandler).
 *
 * A due row that raises nothing (the projection behind the stream for a moment, or raising
 * failed) is held and tried again after a wait that doubles up to a minute; the follower pages on
 * past it, so no number of such rows keeps the others waiting.
 */
export class ScheduleFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ScheduleFollower');
  private readonly recent = new Map<string, number>();
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly commands: CommandBus,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runScheduleFollower) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(
        (next) => this.schedule(next),
        (error: unknown) => {
          this.logger.warn(`schedule follower: ${(error as Error).message}`);
          this.schedule(1000);
        },
      );
    }, delayMs);
  }

  /** Raises what is owed; returns how long to sleep before looking again. */
  private async tick(): Promise<number> {
    const tables = this.readModels.liveTables('schedule');
    if (!tables) return LOOK_EVERY_MS;
    const now = this.clock.now();
    const nowMs = Date.parse(now);
    for (const [assetId, until] of this.recent) if (until <= nowMs) this.recent.delete(assetId);
    // Page by (next_at, asset_id): each page starts after the last row of the one before.
    const page = this.readModels.db.prepare(
      `SELECT asset_id, next_at FROM ${tables('schedule_assets')}
        WHERE next_at IS NOT NULL AND next_at <= @now AND next_at >= @at AND (next_at > @at OR asset_id > @assetId)
        ORDER BY next_at, asset_id LIMIT ${PAGE_SIZE}`,
    );
    const seen = new Set<string>();
    let cursor = { at: '', assetId: '' };
    let complete = false;
    while (!this.stopped) {
      const due = page.all({ now, ...cursor }) as Array<{ asset_id: string; next_at: string }>;
      for (const { asset_id: assetId, next_at: nextAt } of due) {
        if (this.stopped) break;
        seen.add(assetId);
        if (this.recent.has(assetId)) continue;
        const held = this.held.get(assetId);
        if (held && held.nextAt === nextAt && nowMs < held.untilMs) continue;
        await this.raise(assetId, nextAt, held?.nextAt === nextAt ? held : undefined);
      }
      if (due.length < PAGE_SIZE) {
        complete = !this.stopped;
        break;
      }
      const last = due[due.length - 1];
      cursor = { at: last.next_at, assetId: last.asset_id };
    }
    if (complete) for (const assetId of this.held.keys()) if (!seen.has(assetId)) this.held.delete(assetId);
    const next = this.readModels.db
      .prepare(`SELECT min(next_at) AS next_at FROM ${tables('schedule_assets')} WHERE next_at > ?`)
      .get(now) as { next_at: string | null };
    const wait = next.next_at === null ? LOOK_EVERY_MS : Date.parse(next.next_at) - Date.parse(this.clock.now());
    return Math.max(0, Math.min(LOOK_EVERY_MS, wait));
  }

  private async raise(assetId: string, nextAt: string, held: Held | undefined): Promise<void> {
    const nowMs = Date.parse(this.clock.now());
    const retryMs = held ? Math.min(held.retryMs * 2, MAX_RETRY_MS) : SETTLE_MS;
    let raised: number;
    try {
      ({ raised } = await this.commands.execute(new RaiseScheduleEvents(assetId)));
    } catch (error) {
      if (error instanceof EventStoreUnavailable) throw error;
      this.logger.warn(`asset ${assetId}: raising its schedule events failed (${(error as Error).message}); trying again in ${retryMs / 1000} s`);
      this.held.set(assetId, { nextAt, untilMs: nowMs + retryMs, retryMs });
      return;
    }
    if (raised > 0) {
      this.held.delete(assetId);
      this.recent.set(assetId, nowMs + SETTLE_MS);
      this.logger.log(`raised ${raised} schedule event(s) on asset ${assetId}`);
      return;
    }
    this.held.set(assetId, { nextAt, untilMs: nowMs + retryMs, retryMs });
  }
}
