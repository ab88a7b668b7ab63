import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import { toTicketEvent, UPCAST_METADATA_FIELDS } from '@app/ticketing';
import type { Projection, TableNames } from '../projection';
import { prepared } from '../statements';

/** Ticket events the network reads as stored: the ticket model may not know them by name. */
const RAW_TICKET_EVENTS = new Set(['TicketAssigned', 'RepairOrderSignedOff']);

/**
 * The service network: the unit tree, the engineers with their trainings and assessments, the
 * asset kinds, and per ticket the network's dimensions (unit, customer, asset kind, first
 * engineer) with the figures the network views read. Every event updates a fixed number of rows
 * (a unit's registration copies its parent's ancestors: the tree's depth), whatever the length of
 * the ticket.
 *
 * `net_tickets` names its key `nt_ticket_id` so that a view over another projection's table can
 * look a ticket up in a sub-query by its own unqualified `ticket_id`.
 */
export const networkProjection: Projection = {
  name: 'service-network',
  version: 1,
  streamPrefixes: ['ticket-', 'unit-', 'engineer-', 'asset-'],
  metadataFields: UPCAST_METADATA_FIELDS,
  tables: ['net_units', 'net_unit_paths', 'net_engineers', 'net_engineer_records', 'net_assets', 'net_tickets', 'net_dispatches'],

  createSchema(db: Database.Database, t: TableNames): void {
    db.exec(`
      CREATE TABLE ${t('net_units')} (
        unit_id    TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        kind       TEXT NOT NULL,
        parent_id  TEXT,
        terms      TEXT NOT NULL
      );
      -- Every unit with each of its ancestors and itself (depth 0): a roll-up reads the subtree.
      CREATE TABLE ${t('net_unit_paths')} (
        unit_id     TEXT NOT NULL,
        ancestor_id TEXT NOT NULL,
        depth       INTEGER NOT NULL,
        PRIMARY KEY (ancestor_id, unit_id)
      ) WITHOUT ROWID;
      CREATE TABLE ${t('net_engineers')} (
        engineer_id TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        unit_id     TEXT,
        tier        TEXT NOT NULL,
        active      INTEGER NOT NULL
      );
      CREATE TABLE ${t('net_engineer_records')} (
        engineer_id TEXT NOT NULL,
        record      TEXT NOT NULL CHECK (record IN ('training', 'assessment')),
        course      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        at          TEXT NOT NULL,
        result      TEXT NOT NULL,
        score       REAL
      );
      CREATE INDEX ${t('net_engineer_records')}_engineer ON ${t('net_engineer_records')} (engineer_id, at);
      CREATE TABLE ${t('net_assets')} (asset_id TEXT PRIMARY KEY, kind TEXT NOT NULL);
      CREATE TABLE ${t('net_tickets')} (
        nt_ticket_id       TEXT PRIMARY KEY,
        reported_at        TEXT NOT NULL,
        kind               TEXT NOT NULL,
        severity           TEXT NOT NULL,
        was_major          INTEGER NOT NULL,
        customer_id        TEXT NOT NULL,
        asset_id           TEXT,
        asset_kind         TEXT,
        category           TEXT,
        service_unit_id    TEXT,
        engineer_id        TEXT,
        dispatches         INTEGER NOT NULL DEFAULT 0,
        acknowledged       INTEGER NOT NULL DEFAULT 0,
        restored_at        TEXT,
        closed_at          TEXT,
        revisits           INTEGER NOT NULL DEFAULT 0,
        signed_off         INTEGER NOT NULL DEFAULT 0,
        consultation_score INTEGER,
        onsite_score       INTEGER,
        product_score      INTEGER
      );
      CREATE INDEX ${t('net_tickets')}_unit ON ${t('net_tickets')} (service_unit_id, reported_at);
      CREATE INDEX ${t('net_tickets')}_customer ON ${t('net_tickets')} (customer_id, reported_at);
      CREATE INDEX ${t('net_tickets')}_asset ON ${t('net_tickets')} (asset_id, reported_at);
      CREATE TABLE ${t('net_dispatches')} (
        ticket_id     TEXT NOT NULL,
        revision      INTEGER NOT NULL,
        engineer_id   TEXT NOT NULL,
        dispatched_at TEXT NOT NULL,
        arrived_at    TEXT,
        PRIMARY KEY (ticket_id, revision)
      );
      CREATE INDEX ${t('net_dispatches')}_engineer ON ${t('net_dispatches')} (engineer_id);
    `);
  },

  apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames): void {
    for (const recorded of events) {
      if (recorded.stream.startsWith('ticket-')) applyTicket(db, t, recorded);
      else if (recorded.stream.startsWith('unit-')) applyUnit(db, t, recorded);
      else if (recorded.stream.startsWith('engineer-')) applyEngineer(db, t, recorded);
      else if (recorded.stream.startsWith('asset-') && recorded.type === 'AssetRegistered') {
        const data = recorded.data as { kind?: string };
        prepared(db, `INSERT OR REPLACE INTO ${t('net_assets')} VALUES (?, ?)`).run(recorded.stream.slice('asset-'.length), String(data.kind ?? 'unknown'));
      }
    }
  },
};

function applyUnit(db: Database.Database, t: TableNames, recorded: RecordedEvent): void {
  const unitId = recorded.stream.slice('unit-'.length);
  const data = recorded.data as Record<string, unknown>;
  if (recorded.type === 'ServiceUnitRegistered') {
    const parentId = typeof data.parentId === 'string' ? data.parentId : null;
    prepared(db, `INSERT OR REPLACE INTO ${t('net_units')} VALUES (?, ?, ?, ?, ?)`).run(unitId, String(data.name), String(data.kind), parentId, JSON.stringify(data.terms ?? {}));
    prepared(db, `INSERT OR IGNORE INTO ${t('net_unit_paths')} VALUES (?, ?, 0)`).run(unitId, unitId);
    if (parentId !== null) {
      prepared(db, `INSERT OR IGNORE INTO ${t('net_unit_paths')} SELECT ?, ancestor_id, depth + 1 FROM ${t('net_unit_paths')} WHERE unit_id = ?`).run(unitId, parentId);
    }
  } else if (recorded.type === 'ServiceUnitTermsChanged') {
    prepared(db, `UPDATE ${t('net_units')} SET terms = ? WHERE unit_id = ?`).run(JSON.stringify(data.terms ?? {}), unitId);
  }
}

function applyEngineer(db: Database.Database, t: TableNames, recorded: RecordedEvent): void {
  const engineerId = recorded.stream.slice('engineer-'.length);
  const data = recorded.data as Record<string, unknown>;
  switch (recorded.type) {
    case 'EngineerRegistered':
      prepared(db, `INSERT OR REPLACE INTO ${t('net_engineers')} VALUES (?, ?, ?, ?, 1)`).run(engineerId, String(data.name), String(data.unitId), String(data.tier));
      return;
    case 'EngineerMoved':
      prepared(db, `UPDATE ${t('net_engineers')} SET unit_id = ? WHERE engineer_id = ?`).run(String(data.toUnitId), engineerId);
      return;
    case 'EngineerLeft':
      prepared(db, `UPDATE ${t('net_engineers')} SET active = 0 WHERE engineer_id = ?`).run(engineerId);
      return;
    case 'EngineerTrainingRecorded':
    case 'EngineerAssessmentRecorded':
      prepared(db, `INSERT INTO ${t('net_engineer_records')} VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
        engineerId,
        recorded.type === 'EngineerTrainingRecorded' ? 'training' : 'assessment',
        String(data.course),
        String(data.kind),
        String(data.at),
        String(data.result),
        typeof data.score === 'number' ? data.score : null,
      );
      return;
    default:
      return;
  }
}

function applyTicket(db: Database.Database, t: TableNames, recorded: RecordedEvent): void {
  const ticketId = recorded.stream.slice('ticket-'.length);
  const event = RAW_TICKET_EVENTS.has(recorded.type) ? { type: recorded.type, data: recorded.data } : toTicketEvent(recorded);
  const data = event.data as Record<string, unknown>;
  const tickets = t('net_tickets');
  const update = (set: string, params: Record<string, unknown> = {}) => prepared(db, `UPDATE ${tickets} SET ${set} WHERE nt_ticket_id = @ticketId`).run({ ticketId, ...params });
  switch (event.type) {
    case 'TicketReported': {
      const assetId = typeof data.assetId === 'string' ? data.assetId : null;
      const asset = assetId === null ? undefined : (prepared(db, `SELECT kind FROM ${t('net_assets')} WHERE asset_id = ?`).get(assetId) as { kind: string } | undefined);
      prepared(
        db,
        `INSERT OR REPLACE INTO ${tickets} (nt_ticket_id, reported_at, kind, severity, was_major, customer_id, asset_id, asset_kind, category, service_unit_id)
         VALUES (@ticketId, @at, @kind, @severity, @major, @customerId, @assetId, @assetKind, @category, @unitId)`,
      ).run({
        ticketId,
        at: String(data.at),
        kind: String(data.kind),
        severity: String(data.severity),
        major: data.severity === 'major' ? 1 : 0,
        customerId: String(data.customerId),
        assetId,
        assetKind: asset?.kind ?? null,
        category: typeof data.category === 'string' ? data.category : null,
        unitId: typeof data.serviceUnitId === 'string' ? data.serviceUnitId : null,
      });
      return;
    }
    case 'TicketAssigned':
      update('service_unit_id = @unitId', { unitId: String(data.serviceUnitId) });
      return;
    case 'ResponseAcknowledged':
      update('acknowledged = 1');
      return;
    case 'TicketReprioritized':
      update('severity = @severity, was_major = max(was_major, @major)', { severity: String(data.to), major: data.to === 'major' ? 1 : 0 });
      return;
    case 'EngineerDispatched':
      update('engineer_id = coalesce(engineer_id, @engineerId), dispatches = dispatches + 1', { engineerId: String(data.engineerId) });
      prepared(db, `INSERT OR REPLACE INTO ${t('net_dispatches')} VALUES (?, ?, ?, ?, NULL)`).run(ticketId, recorded.revision, String(data.engineerId), String(data.at));
      return;
    case 'EngineerArrived':
      // The engineer's latest dispatch on the ticket not yet arrived at.
      prepared(
        db,
        `UPDATE ${t('net_dispatches')} SET arrived_at = @at WHERE ticket_id = @ticketId AND revision =
           (SELECT max(revision) FROM ${t('net_dispatches')} WHERE ticket_id = @ticketId AND engineer_id = @engineerId AND arrived_at IS NULL)`,
      ).run({ ticketId, engineerId: String(data.engineerId), at: String(data.at) });
      return;
    case 'Restored':
      update('restored_at = @at', { at: String(data.at) });
      return;
    case 'TicketReopened':
      update('restored_at = NULL, closed_at = NULL');
      return;
    case 'TicketClosed':
      update('closed_at = @at', { at: String(data.at) });
      return;
    case 'RevisitCompleted':
      update('revisits = revisits + 1');
      return;
    case 'RepairOrderSignedOff':
      update('signed_off = 1');
      return;
    case 'SatisfactionRated':
      if (data.kind === 'consultation' || data.kind === 'onsite' || data.kind === 'product') update(`${data.kind}_score = @score`, { score: Number(data.score) });
      return;
    default:
      return;
  }
}
