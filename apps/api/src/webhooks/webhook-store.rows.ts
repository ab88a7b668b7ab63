/** The rows of webhooks.db and the shapes the store answers with. */

export type WebhookStatus = 'active' | 'paused' | 'deleted';
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: string[];
  /** Only ticket events of tickets that match (the ticket's severity and unit as of the event); absent: every event of the types. */
  readonly filters?: WebhookFilters;
  readonly status: WebhookStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Events not queued because the webhook was paused with a full queue (see PAUSED_QUEUE_LIMIT). */
  readonly skippedWhilePaused: number;
}

export interface WebhookFilters {
  readonly severity?: string;
  readonly serviceUnitId?: string;
}

export interface Delivery {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: string;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
  readonly body: string;
}

export interface Attempt {
  readonly attempt: number;
  readonly at: string;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface WebhookRow {
  id: string;
  url: string;
  event_types: string;
  filters: string | null;
  status: WebhookStatus;
  created_at: string;
  updated_at: string;
  skipped_while_paused: number;
}
export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  stream: string;
  revision: number;
  position: string;
  type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}
export interface AttemptRow {
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export function toWebhook(row: WebhookRow): Webhook {
  return { id: row.id, url: row.url, eventTypes: JSON.parse(row.event_types), ...(row.filters ? { filters: JSON.parse(row.filters) as WebhookFilters } : {}), status: row.status, createdAt: row.created_at, updatedAt: row.updated_at, skippedWhilePaused: row.skipped_while_paused };
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
    body: row.body,
  };
}
