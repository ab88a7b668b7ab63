import type Database from 'better-sqlite3';
import { formatPosition, parsePosition, positionOf, START } from '@app/event-store';

/**
 * After the event store was restored to a backup whose last event is at `head` (undefined: an empty
 * log), the webhook outbox must not resume past it: the events appended next take the positions
 * after `head` again, and an outbox checkpoint beyond them would skip them. Moves the checkpoint in
 * `webhooks.db` (opened as `db`) back to `head` when it is past it; gives the positions it moved
 * between, or undefined when it was already at or before `head` (or there is none yet). Deliveries
 * already queued are kept as they are: they are the log of what was sent.
 */
export function clampOutboxCheckpoint(db: Database.Database, head: number | undefined): { from: string; to: string } | undefined {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outbox_checkpoint'").get();
  if (!table) return undefined;
  const row = db.prepare('SELECT position FROM outbox_checkpoint WHERE id = 1').get() as { position: string | null } | undefined;
  if (!row?.position) return undefined;
  const restoredHead = head === undefined ? START : positionOf(head);
  const current = parsePosition(row.position);
  if (current && current.commit <= restoredHead.commit) return undefined;
  const to = formatPosition(restoredHead);
  db.prepare('UPDATE outbox_checkpoint SET position = ? WHERE id = 1').run(to);
  return { from: row.position, to };
}
