import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import { evolveAsset, initialAssetState, toTicketEvent, UPCAST_METADATA_FIELDS, type AssetEvent, type AssetState } from '@app/ticketing';
import type { Projection, TableNames } from '../projection';
import { prepared } from '../statements';

/**
 * The warranty archive of every asset: its folded state (coverages, entitlements, repairs,
 * inspections, revisits, deposits, contract, contacts, subcontractors, the schedule events it
 * received) and the service tickets reported against it with where each stands. Personal fields
 * stay as the log holds them (sealed envelopes): whoever answers with a row opens them, and an
 * erasure leaves nothing here.
 */
export const warrantyArchiveProjection: Projection = {
  name: 'warranty-archive',
  // 2: the folded state keeps the schedule events the asset received.
  version: 2,
  streamPrefixes: ['asset-', 'ticket-'],
  metadataFields: UPCAST_METADATA_FIELDS,
  tables: ['warranty_assets', 'warranty_tickets'],

  createSchema(db: Database.Database, t: TableNames): void {
    db.exec(`
      CREATE TABLE ${t('warranty_assets')} (
        asset_id      TEXT PRIMARY KEY,
        customer_id   TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        earliest_end  TEXT,
        latest_end    TEXT,
        state         TEXT NOT NULL
      );
      CREATE INDEX ${t('warranty_assets')}_customer ON ${t('warranty_assets')} (customer_id);
      CREATE INDEX ${t('warranty_assets')}_end ON ${t('warranty_assets')} (earliest_end);
      CREATE TABLE ${t('warranty_tickets')} (
        ticket_id   TEXT PRIMARY KEY,
        asset_id    TEXT NOT NULL,
        kind        TEXT NOT NULL,
        category    TEXT,
        summary     TEXT NOT NULL,
        reported_at TEXT NOT NULL,
        status      TEXT NOT NULL,
        restored_at TEXT,
        closed_at   TEXT
      );
      CREATE INDEX ${t('warranty_tickets')}_asset ON ${t('warranty_tickets')} (asset_id, reported_at);
    `);
  },

  apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames): void {
    const states = new Map<string, AssetState>();
    for (const recorded of events) {
      if (recorded.stream.startsWith('asset-')) {
        const assetId = recorded.stream.slice('asset-'.length);
        let state = states.get(assetId);
        if (!state) {
          const row = prepared(db, `SELECT state FROM ${t('warranty_assets')} WHERE asset_id = ?`).get(assetId) as { state: string } | undefined;
          state = row ? (JSON.parse(row.state) as AssetState) : initialAssetState();
        }
        states.set(assetId, evolveAsset(state, { type: recorded.type, data: recorded.data } as AssetEvent));
      } else {
        applyTicketEvent(db, t, recorded);
      }
    }
    for (const [assetId, state] of states) {
      if (state.status === 'none') continue;
      const ends = state.coverages.map((c) => c.end).sort();
      prepared(db, `INSERT OR REPLACE INTO ${t('warranty_assets')} VALUES (?, ?, ?, ?, ?, ?)`).run(
        assetId,
        state.customerId,
        state.registeredAt,
        ends[0] ?? null,
        ends[ends.length - 1] ?? null,
        JSON.stringify(state),
      );
    }
  },
};

function applyTicketEvent(db: Database.Database, t: TableNames, recorded: RecordedEvent): void {
  const ticketId = recorded.stream.slice('ticket-'.length);
  const event = toTicketEvent(recorded);
  const status = (value: string, extra = '') =>
    prepared(db, `UPDATE ${t('warranty_tickets')} SET status = ?${extra} WHERE ticket_id = ?`);
  switch (event.type) {
    case 'TicketReported':
      if (!event.data.assetId) return;
      prepared(db, `INSERT OR IGNORE INTO ${t('warranty_tickets')} VALUES (?, ?, ?, ?, ?, ?, 'reported', NULL, NULL)`).run(
        ticketId,
        event.data.assetId,
        event.data.kind,
        event.data.category ?? null,
        // Personal data, sealed in the log (an object): kept sealed, as JSON; the API opens it when it answers.
        typeof event.data.summary === 'string' ? event.data.summary : JSON.stringify(event.data.summary),
        event.data.at,
      );
      return;
    case 'ResponseAcknowledged':
      status('acknowledged').run('acknowledged', ticketId);
      return;
    case 'Restored':
      status('restored', ', restored_at = ?').run('restored', event.data.at, ticketId);
      return;
    case 'TicketClosed':
      status('closed', ', closed_at = ?').run('closed', event.data.at, ticketId);
      return;
    case 'TicketReopened':
      status('acknowledged', ', restored_at = NULL, closed_at = NULL').run('acknowledged', ticketId);
      return;
    default:
      return;
  }
}
