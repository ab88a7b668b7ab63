export const SCHEMA_VERSION = 1;

/**
 * One table. `position` orders the whole log; `(stream, revision)` and `event_id` are unique,
 * so neither a revision nor an event can be written twice, whatever the caller does.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position     INTEGER PRIMARY KEY,
  event_id     TEXT    NOT NULL,
  stream       TEXT    NOT NULL,
  revision     INTEGER NOT NULL,
  type         TEXT    NOT NULL,
  data         TEXT    NOT NULL,
  metadata     TEXT    NOT NULL,
  recorded_at  TEXT    NOT NULL,
  CONSTRAINT events_stream_revision UNIQUE (stream, revision),
  CONSTRAINT events_event_id UNIQUE (event_id)
);
`;
