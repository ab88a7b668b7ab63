import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ReadModelStore } from '@app/projections';
import { APP_CONFIG } from '../event-store/event-store.module';
import { CLOCK, type Clock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { READ_MODELS } from '../projections/projections.module';
import { RaiseSlaAlarms } from './raise-sla-alarms.handler';

/** How often the follower looks at the earliest deadline when none is sooner: the bound on lateness. */
const LOOK_EVERY_MS = 250;
/** A ticket just handled is not looked at again until the projection has seen its new events. */
const SETTLE_MS = 2000;

/**
 * Acts on SLA deadlines by itself: reads the earliest next deadlines that the SLA projection
 * keeps (an index lookup, never a scan of the tickets), and when one has come, asks for the
 * ticket's owed alarms to be appended. After downtime, everything owed is raised in order of its
 * time, each event dated when it happened.
 */
export class DeadlineFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeadlineFollower');
  private readonly recent = new Map<string, number>();
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
    if (this.config.runDeadlineFollower) this.schedule(0);
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
          this.logger.warn(`deadline follower: ${(error as Error).message}`);
          this.schedule(1000);
        },
      );
    }, delayMs);
  }

  /** Raises what is owed; returns how long to sleep before looking again. */
  private async tick(): Promise<number> {
    const tables = this.readModels.liveTables('sla-compliance');
    if (!tables) return LOOK_EVERY_MS;
    const now = this.clock.now();
    const nowMs = Date.parse(now);
    for (const [ticketId, until] of this.recent) if (until <= nowMs) this.recent.delete(ticketId);
    const due = this.readModels.db
      .prepare(`SELECT ticket_id, next_at FROM ${tables('sla_deadlines')} WHERE next_at <= ? ORDER BY next_at LIMIT 100`)
      .all(now) as Array<{ ticket_id: string; next_at: string }>;
    for (const { ticket_id: ticketId } of due) {
      if (this.stopped) break;
      if (this.recent.has(ticketId)) continue;
      this.recent.set(ticketId, nowMs + SETTLE_MS);
      const { raised } = await this.commands.execute(new RaiseSlaAlarms(ticketId));
      if (raised > 0) this.logger.log(`raised ${raised} SLA event(s) on ticket ${ticketId}`);
    }
    const next = this.readModels.db
      .prepare(`SELECT min(next_at) AS next_at FROM ${tables('sla_deadlines')} WHERE next_at > ?`)
      .get(now) as { next_at: string | null };
    const wait = next.next_at === null ? LOOK_EVERY_MS : Date.parse(next.next_at) - Date.parse(this.clock.now());
    return Math.max(0, Math.min(LOOK_EVERY_MS, wait));
  }
}
