import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import { toTicketEvent, UPCAST_METADATA_FIELDS, type TicketEvent } from '@app/ticketing';
import type { Projection, TableNames } from '../projection';
import { prepared } from '../statements';

/**
 * Satisfaction per ticket: the ratings by kind, whether service was restored, and how many
 * follow-up visits were made. One row a ticket; the view aggregates.
 */
export const satisfactionProjection: Projection = {
  name: 'satisfaction',
  version: 1,
  streamPrefixes: ['ticket-'],
  metadataFields: UPCAST_METADATA_FIELDS,
  tables: ['satisfaction_tickets'],

  createSchema(db: Database.Database, t: TableNames): void {
    db.exec(`
      CREATE TABLE ${t('satisfaction_tickets')} (
        ticket_id           TEXT PRIMARY KEY,
        reported_at         TEXT NOT NULL,
        policy_id           TEXT NOT NULL,
        policy_version      INTEGER NOT NULL,
        severity            TEXT NOT NULL,
        customer_id         TEXT NOT NULL,
        kind                TEXT NOT NULL,
        engineer_id         TEXT,
        restored_at         TEXT,
        revisits            INTEGER NOT NULL DEFAULT 0,
        consultation_score  INTEGER,
        onsite_score        INTEGER,
        product_score       INTEGER
      );
      CREATE INDEX ${t('satisfaction_tickets')}_reported ON ${t('satisfaction_tickets')} (reported_at);
    `);
  },

  apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames): void {
    const table = t('satisfaction_tickets');
    for (const recorded of events) {
      const event = toTicketEvent(recorded);
      const ticketId = recorded.stream.slice('ticket-'.length);
      applyOne(db, table, ticketId, event);
    }
  },
};

function applyOne(db: Database.Database, table: string, ticketId: string, event: TicketEvent): void {
  const update = (set: string, params: Record<string, unknown> = {}) =>
    prepared(db, `UPDATE ${table} SET ${set} WHERE ticket_id = @ticketId`).run({ ticketId, ...params });
  switch (event.type) {
    case 'TicketReported':
      prepared(
        db,
        `INSERT INTO ${table} (ticket_id, reported_at, policy_id, policy_version, severity, customer_id, kind)
         VALUES (@ticketId, @at, @policyId, @policyVersion, @severity, @customerId, @kind)`,
      ).run({
        ticketId,
        at: event.data.at,
        policyId: event.data.policyId,
        policyVersion: event.data.policyVersion,
        severity: event.data.severity,
        customerId: event.data.customerId,
        kind: event.data.kind,
      });
      return;
    case 'TicketReprioritized':
      update('severity = @severity', { severity: event.data.to });
      return;
    case 'EngineerDispatched':
      update('engineer_id = coalesce(engineer_id, @engineerId)', { engineerId: event.data.engineerId });
      return;
    case 'Restored':
      update('restored_at = @at', { at: event.data.at });
      return;
    case 'TicketReopened':
      update('restored_at = NULL');
      return;
    case 'SatisfactionRated':
      update(`${event.data.kind}_score = @score`, { score: event.data.score });
      return;
    case 'RevisitCompleted':
      update('revisits = revisits + 1');
      return;
    default:
      return;
  }
}
