import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EventStoreUnavailable } from '@app/event-store';
import type { ReadModelStore, TableNames } from '@app/projections';
import { APP_CONFIG } from '../event-store/event-store.module';
import { CLOCK, type Clock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { PolicyCatalog } from '../policies/policy-catalog';
import { READ_MODELS } from '../projections/projections.module';
import { RaiseSlaAlarms } from './raise-sla-alarms.handler';

/** How often the follower looks at the earliest deadline when none is sooner: the bound on lateness. */
const LOOK_EVERY_MS = 250;
/** A ticket just handled is not looked at again until the projection has seen its new events. */
const SETTLE_MS = 2000;
/** Due deadlines read at a time; a tick reads page after page until it has seen every due one. */
const PAGE_SIZE = 100;
/**
 * A ticket that raised nothing at a due deadline whose policy is known (the projection and the
 * stream disagree for a moment, or raising failed) is tried again at the same deadline after
 * SETTLE_MS, then after twice as long each time, up to this.
 */
const MAX_RETRY_MS = 60_000;

/** A due deadline that raised nothing, left alone while its row still says `nextAt`. */
interface Held {
  readonly nextAt: string;
  /** When to try it again: never (its ticket's policy version is not in the policies file). */
  readonly untilMs: number;
  readonly retryMs: number;
}

/**
 * Acts on SLA deadlines by itself: reads the earliest next deadlines that the SLA projection
 * keeps (an index lookup, never a scan of the tickets), and when one has come, asks for the
 * ticket's owed alarms to be appended. After downtime, everything owed is raised in order of its
 * time, each event dated when it happened.
 *
 * A due deadline that raises nothing stays due (no event moves it): the ticket is held, and the
 * follower pages on past it, so no number of such rows keeps the others from being raised. A
 * ticket whose policy version is not in the policies file is logged once and held until its row
 * changes; any other is tried again after a wait that doubles up to a minute.
 */
export class DeadlineFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeadlineFollower');
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
    private readonly policies: PolicyCatalog,
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
    // Page by (next_at, ticket_id): each page starts after the last row of the one before.
    const page = this.readModels.db.prepare(
      `SELECT ticket_id, next_at FROM ${tables('sla_deadlines')}
        WHERE next_at <= @now AND next_at >= @at AND (next_at > @at OR ticket_id > @ticketId)
        ORDER BY next_at, ticket_id LIMIT ${PAGE_SIZE}`,
    );
    const seen = new Set<string>();
    let cursor = { at: '', ticketId: '' };
    let complete = false;
    while (!this.stopped) {
      const due = page.all({ now, ...cursor }) as Array<{ ticket_id: string; next_at: string }>;
      for (const { ticket_id: ticketId, next_at: nextAt } of due) {
        if (this.stopped) break;
        seen.add(ticketId);
        if (this.recent.has(ticketId)) continue;
        const held = this.held.get(ticketId);
        if (held && held.nextAt === nextAt && nowMs < held.untilMs) continue;
        await this.raise(ticketId, nextAt, tables, held?.nextAt === nextAt ? held : undefined);
      }
      if (due.length < PAGE_SIZE) {
        complete = !this.stopped;
        break;
      }
      const last = due[due.length - 1];
      cursor = { at: last.next_at, ticketId: last.ticket_id };
    }
    // A held ticket whose deadline is gone or no longer due has changed: forget it.
    if (complete) for (const ticketId of this.held.keys()) if (!seen.has(ticketId)) this.held.delete(ticketId);
    const next = this.readModels.db
      .prepare(`SELECT min(next_at) AS next_at FROM ${tables('sla_deadlines')} WHERE next_at > ?`)
      .get(now) as { next_at: string | null };
    const wait = next.next_at === null ? LOOK_EVERY_MS : Date.parse(next.next_at) - Date.parse(this.clock.now());
    return Math.max(0, Math.min(LOOK_EVERY_MS, wait));
  }

  /** Asks for one ticket's owed alarms; holds the ticket when nothing could be raised. */
  private async raise(ticketId: string, nextAt: string, tables: TableNames, held: Held | undefined): Promise<void> {
    const nowMs = Date.parse(this.clock.now());
    const retryMs = held ? Math.min(held.retryMs * 2, MAX_RETRY_MS) : SETTLE_MS;
    let raised: number;
    let heldUntil: string | undefined;
    try {
      ({ raised, heldUntil } = await this.commands.execute(new RaiseSlaAlarms(ticketId)));
    } catch (error) {
      // An unreachable store fails every ticket alike: the tick stops and starts over later.
      if (error instanceof EventStoreUnavailable) throw error;
      this.logger.warn(`ticket ${ticketId}: raising its SLA events failed (${(error as Error).message}); trying again in ${retryMs / 1000} s`);
      this.held.set(ticketId, { nextAt, untilMs: nowMs + retryMs, retryMs });
      return;
    }
    if (raised > 0) {
      this.held.delete(ticketId);
      this.recent.set(ticketId, nowMs + SETTLE_MS);
      this.logger.log(`raised ${raised} SLA event(s) on ticket ${ticketId}`);
      return;
    }
    if (heldUntil !== undefined) {
      // Owed, but waiting for the late-entry grace of a ticket recorded after the fact.
      this.held.set(ticketId, { nextAt, untilMs: Date.parse(heldUntil), retryMs: SETTLE_MS });
      return;
    }
    const unknown = this.unknownPolicy(ticketId, tables);
    if (unknown) {
      this.logger.warn(`ticket ${ticketId}: its SLA policy ${unknown} is not in the policies file; its deadline at ${nextAt} is skipped until the ticket's deadline changes`);
      this.held.set(ticketId, { nextAt, untilMs: Number.POSITIVE_INFINITY, retryMs });
      return;
    }
    this.held.set(ticketId, { nextAt, untilMs: nowMs + retryMs, retryMs });
  }

  /** `id vN` when the ticket's policy version, as the projection recorded it, is not in the catalog. */
  private unknownPolicy(ticketId: string, tables: TableNames): string | undefined {
    const row = this.readModels.db.prepare(`SELECT policy_id, policy_version FROM ${tables('sla_clocks')} WHERE ticket_id = ? LIMIT 1`).get(ticketId) as
      | { policy_id: string; policy_version: number }
      | undefined;
    if (!row || this.policies.find(row.policy_id, row.policy_version)) return undefined;
    return `${row.policy_id} v${row.policy_version}`;
  }
}
