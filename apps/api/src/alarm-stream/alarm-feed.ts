import { Inject, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { formatPosition, type EventStore, type Position, type RecordedEvent } from '@app/event-store';
import { followInBatches, type BatchSubscription } from '@app/projections';
import { EVENT_STORE } from '../event-store/event-store.module';
import { ticketStream } from '../tickets/ticket-stream';

/** The events the live page shows: the alarms the engine raises. */
export const ALARM_TYPES = ['SlaWarningReached', 'SlaBreached', 'EscalationRequired'] as const;

const TICKET_PREFIX = ticketStream('');

/** One alarm as the stream sends it. */
export interface Alarm {
  readonly type: (typeof ALARM_TYPES)[number];
  readonly ticketId: string;
  readonly position: string;
  readonly metric: string;
  readonly threshold: number | null;
  readonly dueAt: string | null;
  readonly reason: string | null;
  readonly at: string;
}

/** Someone listening: gets each alarm, and is told once when the server stops. */
export interface AlarmListener {
  readonly keyId: string;
  send(alarm: Alarm): void;
  end(): void;
}

/** The alarm sent for a stored event, or undefined for any other event. */
export function alarmOf(event: RecordedEvent): Alarm | undefined {
  if (!(ALARM_TYPES as readonly string[]).includes(event.type) || !event.stream.startsWith(TICKET_PREFIX)) return undefined;
  const data = event.data as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    type: event.type as Alarm['type'],
    ticketId: event.stream.slice(TICKET_PREFIX.length),
    position: formatPosition(event.position),
    metric: text(data.metric) ?? '',
    threshold: typeof data.threshold === 'number' ? data.threshold : null,
    dueAt: text(data.dueAt),
    reason: text(data.reason),
    at: text(data.at) ?? event.recordedAt,
  };
}

/**
 * Follows the log from its head and hands every alarm, as it is committed, to the listeners. The
 * follower starts with the first listener (a server nobody watches reads nothing); at shutdown
 * every open stream is ended, so none holds the server open.
 */
export class AlarmFeed implements BeforeApplicationShutdown {
  private readonly logger = new Logger('AlarmFeed');
  private readonly listeners = new Set<AlarmListener>();
  private subscription: BatchSubscription | undefined;
  private following: Promise<void> | undefined;
  private stopped = false;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  get stopping(): boolean {
    return this.stopped;
  }

  /** How many streams this key holds open. */
  openFor(keyId: string): number {
    let count = 0;
    for (const listener of this.listeners) if (listener.keyId === keyId) count++;
    return count;
  }

  /** Adds a listener; returns how to remove it. Alarms committed from the first listener on are sent. */
  listen(listener: AlarmListener): () => void {
    this.listeners.add(listener);
    this.following ??= this.follow();
    return () => this.listeners.delete(listener);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const listener of [...this.listeners]) listener.end();
    this.listeners.clear();
    await this.subscription?.close();
    await this.following;
  }

  private async follow(): Promise<void> {
    let position: Position | undefined;
    let started = false;
    while (!this.stopped) {
      try {
        if (!started) {
          position = await this.store.headPosition();
          started = true;
        }
        this.subscription = followInBatches(this.store, position, 500);
        for await (const batch of this.subscription.batches) {
          position = batch[batch.length - 1].position;
          for (const event of batch) {
            const alarm = alarmOf(event);
            if (alarm) for (const listener of this.listeners) listener.send(alarm);
          }
          if (this.stopped) return;
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`alarm stream: ${(error as Error).message}; following again in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        await this.subscription?.close();
      }
    }
  }
}
