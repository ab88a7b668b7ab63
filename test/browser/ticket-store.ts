import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { chainEvents, type EventToAppend } from '@app/event-store';
import { SCHEMA, SCHEMA_VERSION } from '../../libs/event-store/src/sqlite/schema';

export interface SeededTicket {
  readonly reportedAt: number;
  /** Minutes from the report to the acknowledgement. */
  readonly acknowledgedAfterMinutes: number;
  readonly customerId: string;
  readonly severity: 'general' | 'major';
}

/**
 * Writes tickets (a report and its acknowledgement each) straight into an embedded event store
 * file, with the metadata the command runner writes and a valid hash chain per stream: tens of
 * thousands of tickets in seconds, for the views to project when the app starts on the file.
 */
export function writeTicketStore(path: string, tickets: readonly SeededTicket[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const insert = db.prepare('INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const recordedAt = new Date().toISOString();
    const metadata = () => {
      const commandId = randomUUID();
      return { commandId, correlationId: commandId, causationId: commandId, actor: { name: 'seed', role: 'service' }, recordedAt, schemaVersion: 1 };
    };
    let position = 0;
    db.transaction(() => {
      for (const ticket of tickets) {
        const ticketId = randomUUID();
        const stream = `ticket-${ticketId}`;
        const events: EventToAppend[] = [
          {
            type: 'TicketReported',
            data: { ticketId, customerId: ticket.customerId, channel: 'phone', kind: 'fault', severity: ticket.severity, summary: 'Seeded ticket', policyId: 'it-support-plan', policyVersion: 1, at: new Date(ticket.reportedAt).toISOString() },
            metadata: metadata(),
          },
          {
            type: 'ResponseAcknowledged',
            data: { by: 'desk-agent-7', at: new Date(ticket.reportedAt + ticket.acknowledgedAfterMinutes * 60_000).toISOString() },
            metadata: metadata(),
          },
        ];
        chainEvents(stream, undefined, events).forEach((event, revision) => {
          insert.run(position++, randomUUID(), stream, revision, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), recordedAt);
        });
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
