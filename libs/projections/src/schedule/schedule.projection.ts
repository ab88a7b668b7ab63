import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@app/event-store';
import {
  evolveAsset,
  initialAssetState,
  nextScheduleDue,
  scheduleItems,
  UPCAST_METADATA_FIELDS,
  DEFAULT_SCHEDULE_OPTIONS,
  type AssetEvent,
  type AssetState,
  type ScheduleOptions,
} from '@app/ticketing';
import type { Projection, TableNames } from '../projection';
import { prepared } from '../statements';

/**
 * The assets' schedules: for the schedule follower, each asset's next due instant (local midnight
 * of the earliest schedule event not yet received, indexed, so the follower reads the due ones
 * without a scan); for the schedule view, each schedule entry with its date, whether it was
 * received, whether it was met and the ticket that met it. The status (due, done, overdue)
 * depends on the day it is asked, so the view works it out from `done` and `deadline`.
 */
export function scheduleProjection(options: ScheduleOptions = DEFAULT_SCHEDULE_OPTIONS): Projection {
  return {
    name: 'schedule',
    version: 1,
    streamPrefixes: ['asset-'],
    metadataFields: UPCAST_METADATA_FIELDS,
    tables: ['schedule_assets', 'schedule_items'],

    createSchema(db: Database.Database, t: TableNames): void {
      db.exec(`
        CREATE TABLE ${t('schedule_assets')} (
          asset_id    TEXT PRIMARY KEY,
          customer_id TEXT NOT NULL,
          time_zone   TEXT NOT NULL,
          next_at     TEXT,
          state       TEXT NOT NULL
        );
        CREATE INDEX ${t('schedule_assets')}_next ON ${t('schedule_assets')} (next_at) WHERE next_at IS NOT NULL;
        CREATE TABLE ${t('schedule_items')} (
          asset_id    TEXT NOT NULL,
          key         TEXT NOT NULL,
          seq         INTEGER NOT NULL,
          customer_id TEXT NOT NULL,
          time_zone   TEXT NOT NULL,
          kind        TEXT NOT NULL,
          type        TEXT NOT NULL,
          due_on      TEXT NOT NULL,
          at          TEXT NOT NULL,
          received    INTEGER NOT NULL,
          done        INTEGER NOT NULL,
          deadline    TEXT,
          ticket_id   TEXT,
          detail      TEXT NOT NULL,
          PRIMARY KEY (asset_id, key)
        );
        CREATE INDEX ${t('schedule_items')}_due ON ${t('schedule_items')} (due_on, asset_id, seq);
        CREATE INDEX ${t('schedule_items')}_customer ON ${t('schedule_items')} (customer_id, due_on);
      `);
    },

    apply(db: Database.Database, events: readonly RecordedEvent[], t: TableNames): void {
      const states = new Map<string, AssetState>();
      for (const recorded of events) {
        const assetId = recorded.stream.slice('asset-'.length);
        let state = states.get(assetId);
        if (!state) {
          const row = prepared(db, `SELECT state FROM ${t('schedule_assets')} WHERE asset_id = ?`).get(assetId) as { state: string } | undefined;
          state = row ? (JSON.parse(row.state) as AssetState) : initialAssetState();
        }
        states.set(assetId, evolveAsset(state, { type: recorded.type, data: recorded.data } as AssetEvent));
      }
      const insert = prepared(db, `INSERT INTO ${t('schedule_items')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const [assetId, state] of states) {
        if (state.status === 'none') continue;
        prepared(db, `INSERT OR REPLACE INTO ${t('schedule_assets')} VALUES (?, ?, ?, ?, ?)`).run(
          assetId,
          state.customerId,
          state.timeZone,
          nextScheduleDue(state, options)?.at ?? null,
          JSON.stringify(state),
        );
        prepared(db, `DELETE FROM ${t('schedule_items')} WHERE asset_id = ?`).run(assetId);
        scheduleItems(state, options).forEach((item, seq) => {
          const { at: _at, dueOn: _dueOn, ...detail } = item.event.data;
          insert.run(
            assetId,
            item.key,
            seq,
            state.customerId,
            state.timeZone,
            item.kind,
            item.event.type,
            item.dueOn,
            item.event.data.at,
            item.received ? 1 : 0,
            item.done ? 1 : 0,
            item.deadline,
            item.ticketId,
            JSON.stringify(detail),
          );
        });
      }
    },
  };
}
