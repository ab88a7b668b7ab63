import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A label value taken from data (a policy's metric name): the first `limit` seen, then `other`. */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** The HTTP methods a label may name; any other is `other`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What a command came to, as counted: accepted, a stored first answer, refused (with its code), a conflict, or an error. */
export type CommandCount = 'accepted' | 'replayed' | 'refused' | 'conflict' | 'error';

/** What a scrape reads of the log and the projections when it happens. */
export interface LogSnapshot {
  /** Commit position of the log's last event; -1 when it has none or does not answer. */
  readonly head: number;
  readonly projections: ReadonlyArray<{ name: string; position: number; lag: number; failed: boolean }>;
}

/**
 * The engine's Prometheus series on a registry of its own (not prom-client's global one, so two
 * apps in one process, as in tests, do not share counts): prom-client's default process and
 * Node series (event-loop lag included) and the engine's own. No label takes an unbounded value:
 * routes are templates, codes and command types come from fixed lists, policy metric names are
 * capped by `BoundedLabel`.
 */
export class EngineMetrics {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route template, method and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by route template, method and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly commands = new Counter({
    name: 'ticket_engine_commands_total',
    help: 'Commands by aggregate, command type and outcome (accepted, replayed, refused, conflict, error); code names a refusal.',
    labelNames: ['aggregate', 'command', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  private readonly appends = new Counter({
    name: 'ticket_engine_store_appends_total',
    help: 'Appends to the event store, by outcome (ok, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly eventsAppended = new Counter({
    name: 'ticket_engine_store_events_appended_total',
    help: 'Events written by successful appends.',
    registers: [this.registry],
  });
  private readonly groupCommits = new Histogram({
    name: 'ticket_engine_store_group_commit_appends',
    help: 'Appends committed together in one SQLite transaction (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  private readonly projectionBatch = new Histogram({
    name: 'ticket_engine_projection_batch_duration_seconds',
    help: 'Time a projection took to apply one batch of events with its checkpoint.',
    labelNames: ['projection'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly projectionEvents = new Counter({
    name: 'ticket_engine_projection_events_applied_total',
    help: 'Events a projection applied (only those of the streams it reads).',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  private readonly alarmsRaised = new Counter({
    name: 'ticket_engine_sla_alarms_raised_total',
    help: 'SLA alarms raised, by kind (warning, breach, escalation) and SLA metric.',
    labelNames: ['alarm', 'metric'] as const,
    registers: [this.registry],
  });
  private readonly alarmsWithdrawn = new Counter({
    name: 'ticket_engine_sla_alarms_withdrawn_total',
    help: 'SLA alarms withdrawn by a fact entered late, by kind and SLA metric.',
    labelNames: ['alarm', 'metric'] as const,
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'ticket_engine_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, retry, dead).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly webhookDuration = new Histogram({
    name: 'ticket_engine_webhook_delivery_duration_seconds',
    help: 'Time one webhook delivery attempt took, answer or failure.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'ticket_engine_rate_limited_requests_total',
    help: 'Requests refused with 429 RATE_LIMITED, by the role of the key.',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });
  private readonly metricNames = new BoundedLabel(50);
  private readonly projectionNames = new BoundedLabel(50);

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Reads the log and the projections when Prometheus scrapes. */
  observeLog(read: () => Promise<LogSnapshot>): void {
    const registers = [this.registry];
    // A scrape collects every series at once: the four below share one read of the log.
    let reading: Promise<LogSnapshot> | undefined;
    const log = () => {
      reading ??= read().finally(() => {
        reading = undefined;
      });
      return reading;
    };
    new Gauge({
      name: 'ticket_engine_store_head_position',
      help: 'Commit position of the last event in the log (-1 when empty or unreachable).',
      registers,
      async collect() {
        this.set((await log()).head);
      },
    });
    const perProjection = (name: string, help: string, value: (p: LogSnapshot['projections'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'] as const,
        registers,
        async collect() {
          const { projections } = await log();
          this.reset();
          for (const p of projections) this.set({ projection: p.name }, value(p));
        },
      });
    perProjection('ticket_engine_projection_position', 'Commit position the projection has applied (-1 for none).', (p) => p.position);
    perProjection('ticket_engine_projection_lag_positions', 'Positions between the log head and the projection (events, on SQLite).', (p) => p.lag);
    perProjection('ticket_engine_projection_failed', '1 while the projection is failing and retrying.', (p) => (p.failed ? 1 : 0));
  }

  /** Reads the webhook queue's depth when Prometheus scrapes. */
  observeWebhookQueue(depth: () => number): void {
    new Gauge({
      name: 'ticket_engine_webhook_queue_depth',
      help: 'Webhook deliveries waiting to be sent (pending, retries included).',
      registers: [this.registry],
      collect() {
        this.set(depth());
      },
    });
  }

  request(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method: METHODS.has(method) ? method : 'other', route: route ?? 'unmatched', status_class: `${Math.floor(status / 100)}xx` };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  command(aggregate: string, command: string, outcome: CommandCount, code?: string): void {
    this.commands.inc(code === undefined ? { aggregate, command, outcome } : { aggregate, command, outcome, code });
  }

  append(ok: boolean, events: number): void {
    this.appends.inc({ outcome: ok ? 'ok' : 'failed' });
    if (ok) this.eventsAppended.inc(events);
  }

  groupCommitted(appends: number): void {
    this.groupCommits.observe(appends);
  }

  projectionBatchApplied(projection: string, events: number, seconds: number): void {
    const name = this.projectionNames.of(projection);
    this.projectionBatch.observe({ projection: name }, seconds);
    if (events > 0) this.projectionEvents.inc({ projection: name }, events);
  }

  alarm(change: 'raised' | 'withdrawn', alarm: string, metric: string): void {
    (change === 'raised' ? this.alarmsRaised : this.alarmsWithdrawn).inc({ alarm, metric: this.metricNames.of(metric) });
  }

  webhookDelivery(outcome: 'delivered' | 'retry' | 'dead', seconds: number): void {
    this.webhookDeliveries.inc({ outcome });
    this.webhookDuration.observe(seconds);
  }

  rateLimitedRequest(role: string): void {
    this.rateLimited.inc({ role });
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
