import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { randomInt, randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { identifyStore, type EventStore, type Position, type RecordedEvent } from '@app/event-store';
import { followInBatches, type BatchSubscription } from '@app/projections';
import { CLOCK, type Clock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, EVENT_STORE } from '../event-store/event-store.module';
import { PersonalDataCipher } from '../personal-data/personal-data-cipher';
import { WEBHOOK_STORE } from './webhook.tokens';
import type { Delivery, WebhookStore } from './webhook-store';
import { post, signature, type SendOutcome } from './webhook-sender';
import { WebhookTargets } from './webhook-target';
import { EngineMetrics } from '../telemetry/engine-metrics';
import { commandLinks, CORRELATION_ID, tracer } from '../telemetry/tracing';

/** How long one delivery attempt may take. */
const ATTEMPT_TIMEOUT_MS = 5000;
/** Deliveries sent at once (each to a different ticket queue). */
const PARALLEL = 16;
const IDLE_LOOK_MS = 200;
/** How often delivered and dead deliveries older than WEBHOOK_RETENTION_DAYS are removed. */
const PRUNE_EVERY_MS = 3_600_000;
/** How many queued events' correlation ids are kept for the spans of their deliveries. */
const REMEMBERED_CORRELATIONS = 10_000;

/** Exponential backoff with jitter: base * 2^(attempt-1), capped at 5 minutes, then 50-100 % of it. */
export function retryDelayMs(baseMs: number, attempt: number): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), 300_000);
  return Math.round(ceiling / 2 + randomInt(0, Math.max(1, Math.round(ceiling / 2))));
}

/**
 * Webhook delivery: an outbox follower turns matching events into deliveries (checkpointed with
 * them), and a dispatcher sends them at least once, in order per stream and webhook, retrying
 * with backoff until a dead letter after the last attempt.
 */
export class WebhookDelivery implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private subscription: BatchSubscription | undefined;
  private outbox: Promise<void> | undefined;
  private dispatching: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private prunedAt = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WEBHOOK_STORE) private readonly webhooks: WebhookStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WebhookTargets) private readonly targets: WebhookTargets,
    @Inject(PersonalDataCipher) private readonly personalData: PersonalDataCipher,
    @Inject(EngineMetrics) private readonly metrics: EngineMetrics,
  ) {
    metrics.observeWebhookQueue(() => webhooks.pendingCount());
  }

  /** With tracing on, the correlation id of each event the outbox queued, for its deliveries' spans. */
  private readonly correlations = new Map<string, string>();

  onApplicationBootstrap(): void {
    if (!this.config.runWebhooks) return;
    this.outbox = this.followOutbox();
    this.dispatching = this.dispatch();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.subscription?.close();
    await Promise.all([this.outbox, this.dispatching]);
  }

  private async followOutbox(): Promise<void> {
    while (!this.stopped) {
      try {
        this.subscription = followInBatches(this.store, await this.startingPoint(), 500);
        for await (const batch of this.subscription.batches) {
          const queued = this.webhooks.enqueue(batch, batch[batch.length - 1].position, randomUUID, this.clock.now());
          if (queued > 0 && this.config.tracing) this.rememberCorrelations(batch);
          if (queued > 0) this.wake?.();
          if (this.stopped) return;
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`webhook outbox: ${(error as Error).message}; retrying`);
        await sleep(1000);
      } finally {
        await this.subscription?.close();
      }
    }
  }

  /**
   * Where the outbox resumes: its checkpoint, or the head of the log for a new webhooks.db.
   * Webhooks get the events that come after they are registered, so a new file (a new server, or
   * one restored without it) has nothing to deliver from before now and need not read the log.
   */
  private async startingPoint(): Promise<Position | undefined> {
    const head = await this.store.headPosition();
    // A checkpoint of another store, or past the head of this one (a restore), is not an offset
    // into this log: the outbox starts again at its head.
    if (this.webhooks.matchStore(await identifyStore(this.store), head) === 'reset') {
      this.logger.warn('webhook outbox: its checkpoint belongs to another event store or lies past the head of this one; it starts again at the head of the log');
    }
    const checkpoint = this.webhooks.checkpoint();
    if (checkpoint) return checkpoint;
    if (head) this.webhooks.startAt(head);
    return head;
  }

  private async dispatch(): Promise<void> {
    while (!this.stopped) {
      let sent = 0;
      try {
        await this.prune();
        const due = this.webhooks.due(this.clock.now(), PARALLEL);
        await Promise.all(due.map((delivery) => this.attempt(delivery)));
        sent = due.length;
      } catch (error) {
        this.logger.warn(`webhook dispatch: ${(error as Error).message}`);
      }
      if (sent === 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_LOOK_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** Removes, a page at a time, the delivered and dead deliveries past the retention; at start and every hour. */
  private async prune(): Promise<void> {
    if (this.config.webhookRetentionDays === 0 || Date.now() - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = Date.now();
    const now = this.clock.now();
    while (!this.stopped && this.webhooks.prune(now, this.config.webhookRetentionDays, 1000) === 1000) await new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * The body as sent: the stored one with its personal fields opened. webhooks.db keeps them
   * sealed, as the outbox read them from the log, so an erasure leaves nothing in it to purge and
   * a delivery sent after an erasure carries "[erased]".
   */
  private async opened(body: string): Promise<string> {
    if (!body.includes('"$enc"')) return body;
    return JSON.stringify(await this.personalData.revealDeep(JSON.parse(body) as unknown));
  }

  private rememberCorrelations(batch: readonly RecordedEvent[]): void {
    for (const event of batch) {
      const id = (event.metadata as { correlationId?: unknown }).correlationId;
      if (typeof id === 'string') this.correlations.set(event.id, id);
    }
    for (const key of this.correlations.keys()) {
      if (this.correlations.size <= REMEMBERED_CORRELATIONS) break;
      this.correlations.delete(key);
    }
  }

  /** One attempt, counted by outcome and, with tracing on, in a span linked to the command that caused the event. */
  private async attempt(delivery: Delivery): Promise<void> {
    if (!this.config.tracing) {
      await this.send(delivery);
      return;
    }
    const correlationId = this.correlations.get(delivery.eventId);
    const attributes = { 'ticket_engine.webhook_id': delivery.webhookId, 'ticket_engine.delivery_id': delivery.id, 'ticket_engine.event_type': delivery.type, 'ticket_engine.attempt': delivery.attempts + 1 };
    const span = tracer.startSpan('webhook delivery', { kind: SpanKind.CLIENT, root: true, attributes: correlationId ? { ...attributes, [CORRELATION_ID]: correlationId } : attributes, links: correlationId ? commandLinks([correlationId]) : [] });
    try {
      const outcome = await this.send(delivery);
      if (outcome) span.setAttribute('ticket_engine.outcome', outcome);
      if (outcome !== 'delivered') span.setStatus({ code: SpanStatusCode.ERROR });
    } finally {
      span.end();
    }
  }

  private async send(delivery: Delivery): Promise<'delivered' | 'retry' | 'dead' | undefined> {
    const secret = this.webhooks.secretOf(delivery.webhookId) ?? '';
    const url = this.webhooks.get(delivery.webhookId)?.url;
    if (!url) return undefined;
    const started = Date.now();
    // A new timestamp at each attempt: a retry hours later still passes a receiver's 5-minute window.
    const timestamp = Math.floor(Date.parse(this.clock.now()) / 1000);
    let outcome: SendOutcome;
    try {
      const body = await this.opened(delivery.body);
      outcome = await post(
        this.targets.connection(url),
        {
          'content-type': 'application/json',
          'user-agent': 'service-ticket-engine-webhooks/1',
          'x-webhook-id': delivery.webhookId,
          'x-delivery-id': delivery.id,
          'x-event-type': delivery.type,
          'x-signature-timestamp': String(timestamp),
          'x-signature-256': signature(secret, timestamp, body),
        },
        body,
        ATTEMPT_TIMEOUT_MS,
      );
    } catch (error) {
      // The URL is refused now (the allow-list or WEBHOOK_ALLOW_HTTP changed since registration).
      outcome = { ok: false, statusCode: null, error: (error as Error).message };
    }
    const attempt = delivery.attempts + 1;
    const now = this.clock.now();
    const dead = !outcome.ok && attempt >= this.config.webhookMaxAttempts;
    const retryAt = new Date(Date.parse(now) + retryDelayMs(this.config.webhookRetryBaseMs, attempt)).toISOString();
    this.webhooks.recordAttempt(delivery, { ...outcome, durationMs: Date.now() - started }, { at: now, dead, retryAt });
    if (dead) this.logger.warn(`webhook ${delivery.webhookId}: delivery ${delivery.id} is a dead letter after ${attempt} attempts`);
    const counted = outcome.ok ? 'delivered' : dead ? 'dead' : 'retry';
    this.metrics.webhookDelivery(counted, (Date.now() - started) / 1000);
    return counted;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
