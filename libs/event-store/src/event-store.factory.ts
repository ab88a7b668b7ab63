import { join } from 'node:path';
import type { EventStore } from './event-store.port';
import { SqliteEventStore, type SqliteSynchronous } from './sqlite/sqlite-event-store';

/** Where the events live, parsed from `EVENT_STORE_URL`. */
export type EventStoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'esdb';
      readonly connectionString: string;
      /** ESDB_TIMEOUT_MS: how long a call may wait for the server (see EsdbEventStoreOptions). */
      readonly timeoutMs?: number;
      /** ESDB_MAX_CONCURRENT_CALLS: reads and appends open at once on the connection. */
      readonly maxConcurrentCalls?: number;
    };

export class InvalidEventStoreUrl extends Error {
  readonly code = 'INVALID_EVENT_STORE_URL';
}

export function defaultEventStoreUrl(dataDir: string): string {
  return `sqlite:${join(dataDir, 'events.db')}`;
}

/** `sqlite:<path>` or `esdb://...` / `esdb+discover://...`; anything else is refused with one line. */
export function parseEventStoreUrl(url: string): EventStoreLocation {
  const value = url.trim();
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path.length === 0) throw new InvalidEventStoreUrl('EVENT_STORE_URL: sqlite: needs a file path, as in sqlite:./data/events.db');
    return { kind: 'sqlite', path };
  }
  if (/^esdb(\+discover)?:\/\/[^/?#\s]+/.test(value)) return { kind: 'esdb', connectionString: value };
  throw new InvalidEventStoreUrl(
    `EVENT_STORE_URL must be sqlite:<path> or esdb://host:2113?tls=false, not ${JSON.stringify(url)}`,
  );
}

export interface EventStoreSettings {
  readonly sqliteSynchronous?: SqliteSynchronous;
  /** How often a SQLite subscription looks for events another connection appended, in milliseconds. */
  readonly sqlitePollIntervalMs?: number;
  /** Per-call timeout for EventStoreDB, in milliseconds. */
  readonly esdbTimeoutMs?: number;
}

export async function openEventStore(location: EventStoreLocation, settings: EventStoreSettings = {}): Promise<EventStore> {
  switch (location.kind) {
    case 'sqlite':
      return SqliteEventStore.open({ path: location.path, synchronous: settings.sqliteSynchronous, pollIntervalMs: settings.sqlitePollIntervalMs });
    case 'esdb': {
      // Loaded on demand so the embedded default never pays for the gRPC client.
      const { EsdbEventStore } = await import('./esdb/esdb-event-store');
      return EsdbEventStore.connect(location.connectionString, {
        timeoutMs: location.timeoutMs ?? settings.esdbTimeoutMs,
        maxConcurrentCalls: location.maxConcurrentCalls,
      });
    }
    default: {
      const _never: never = location;
      throw new Error(`unknown event store ${String(_never)}`);
    }
  }
}
