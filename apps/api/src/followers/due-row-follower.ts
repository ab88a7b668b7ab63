import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EventStoreUnavailable } from '@app/event-store';
import type { ReadModelStore, TableNames } from '@app/projections';
import type { Clock } from '../clock';

/** Something just handled is not looked at again until the projection has seen its new events. */
const SETTLE_MS = 2000;
/** Due rows read at a time; a tick reads page after page until it has seen every due one. */
const PAGE_SIZE = 100;
/** A due row that raised nothing is tried again after SETTLE_MS, then twice as long each time, up to this. */
const MAX_RETRY_MS = 60_000;

/** A due row that raised nothing, left alone while it still says `nextAt`. */
interface Held {
  readonly nextAt: string;
  /** When to try it again (never: see `unraisable`). */
  readonly untilMs: number;
  readonly retryMs: number;
}

/** Where a projection keeps the next instant each of its subjects (a ticket, an asset) is due. */
export interface DueRows {
  /** The projection whose live tables hold them. */
  readonly projection: string;
  /** The table: one row per subject, `next_at` the instant, indexed on (next_at, key). */
  readonly table: string;
  /** The subject's id column. */
  readonly key: string;
}

/** What asking for one subject's owed events gave: how many were appended, and until when the rest must wait. */
export interface Raised {
  readonly raised: number;
  /** Owed, but not before this instant (a grace the domain gives). */
  readonly heldUntil?: string;
}

/**
 * Acts on a projection's due rows by itself: reads the earliest next instants (an index lookup,
 * never a scan of the subjects) and, when one has come, asks for the subject's owed events to be
 * appended. After downtime, everything owed is raised in the order it fell due. Any number of
 * processes may run it: the append decides who raised an event.
 *
 * A due row that raises nothing stays due (no event moves it): the subject is held, and the
 * follower pages on past it, so no number of such rows keeps the others waiting. It is tried
 * again after a wait that doubles up to a minute, at the instant the domain names, or never
 * while its row is unchanged when `unraisable` says why.
 */
export abstract class DueRowFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly recent = new Map<string, number>();
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  protected constructor(
    protected readonly logger: Logger,
    private readonly rows: DueRows,
    /** How often it looks when nothing falls due sooner: the bound on lateness. */
    private readonly lookEveryMs: number,
    private readonly enabled: boolean,
    protected readonly readModels: ReadModelStore,
    protected readonly clock: Clock,
  ) {}

  /** Appends the subject's owed events. */
  protected abstract raise(id: string): Promise<Raised>;

  /** Names the subject and its events in the log: `ticket t-1`, `SLA`. */
  protected abstract describe(id: string): { subject: string; events: string };

  /** Why the subject can never raise at this row (it is then held until the row changes), or undefined. */
  protected unraisable(_id: string, _tables: TableNames): string | undefined {
    return undefined;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.schedule(0);
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
          this.logger.warn(`${this.rows.projection} follower: ${(error as Error).message}`);
          this.schedule(1000);
        },
      );
    }, delayMs);
  }

  /** Raises what is owed; returns how long to sleep before looking again. */
  private async tick(): Promise<number> {
    const tables = this.readModels.liveTables(this.rows.projection);
    if (!tables) return this.lookEveryMs;
    const { table, key } = this.rows;
    const now = this.clock.now();
    const nowMs = Date.parse(now);
    for (const [id, until] of this.recent) if (until <= nowMs) this.recent.delete(id);
    // Page by (next_at, key): each page starts after the last row of the one before.
    const page = this.readModels.db.prepare(
      `SELECT ${key} AS id, next_at FROM ${tables(table)}
        WHERE next_at IS NOT NULL AND next_at <= @now AND next_at >= @at AND (next_at > @at OR ${key} > @id)
        ORDER BY next_at, ${key} LIMIT ${PAGE_SIZE}`,
    );
    const seen = new Set<string>();
    let cursor = { at: '', id: '' };
    let complete = false;
    while (!this.stopped) {
      const due = page.all({ now, ...cursor }) as Array<{ id: string; next_at: string }>;
      for (const { id, next_at: nextAt } of due) {
        if (this.stopped) break;
        seen.add(id);
        if (this.recent.has(id)) continue;
        const held = this.held.get(id);
        if (held && held.nextAt === nextAt && nowMs < held.untilMs) continue;
        await this.raiseOne(id, nextAt, tables, held?.nextAt === nextAt ? held : undefined);
      }
      if (due.length < PAGE_SIZE) {
        complete = !this.stopped;
        break;
      }
      const last = due[due.length - 1];
      cursor = { at: last.next_at, id: last.id };
    }
    // A held subject whose row is gone or no longer due has changed: forget it.
    if (complete) for (const id of this.held.keys()) if (!seen.has(id)) this.held.delete(id);
    const next = this.readModels.db.prepare(`SELECT min(next_at) AS next_at FROM ${tables(table)} WHERE next_at > ?`).get(now) as { next_at: string | null };
    const wait = next.next_at === null ? this.lookEveryMs : Date.parse(next.next_at) - Date.parse(this.clock.now());
    return Math.max(0, Math.min(this.lookEveryMs, wait));
  }

  /** Asks for one subject's owed events; holds the subject when nothing could be raised. */
  private async raiseOne(id: string, nextAt: string, tables: TableNames, held: Held | undefined): Promise<void> {
    const nowMs = Date.parse(this.clock.now());
    const retryMs = held ? Math.min(held.retryMs * 2, MAX_RETRY_MS) : SETTLE_MS;
    const { subject, events } = this.describe(id);
    let outcome: Raised;
    try {
      outcome = await this.raise(id);
    } catch (error) {
      // An unreachable store fails every subject alike: the tick stops and starts over later.
      if (error instanceof EventStoreUnavailable) throw error;
      this.logger.warn(`${subject}: raising its ${events} events failed (${(error as Error).message}); trying again in ${retryMs / 1000} s`);
      this.held.set(id, { nextAt, untilMs: nowMs + retryMs, retryMs });
      return;
    }
    if (outcome.raised > 0) {
      this.held.delete(id);
      this.recent.set(id, nowMs + SETTLE_MS);
      this.logger.log(`raised ${outcome.raised} ${events} event(s) on ${subject}`);
      return;
    }
    if (outcome.heldUntil !== undefined) {
      this.held.set(id, { nextAt, untilMs: Date.parse(outcome.heldUntil), retryMs: SETTLE_MS });
      return;
    }
    const why = this.unraisable(id, tables);
    if (why) {
      this.logger.warn(`${subject}: ${why}; its due instant ${nextAt} is skipped until it changes`);
      this.held.set(id, { nextAt, untilMs: Number.POSITIVE_INFINITY, retryMs });
      return;
    }
    this.held.set(id, { nextAt, untilMs: nowMs + retryMs, retryMs });
  }
}
