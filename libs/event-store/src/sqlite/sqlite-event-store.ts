import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { matchesFilter, prepareAppend, checkStreamName, type SerializedEvent } from '../append-validation';
import {
  CorruptStoredEvent,
  DuplicateEventId,
  EventStoreError,
  EventStoreUnavailable,
  InvalidEventStoreInput,
  StreamNotFound,
  WrongExpectedRevision,
} from '../errors';
import type {
  AppendOptions,
  AppendResult,
  CatchUpReader,
  EventStore,
  EventSubscription,
  EventToAppend,
  ExpectedRevision,
  PageFollower,
  PageReadOptions,
  PageSubscription,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoredEventText,
  StoredTextReader,
  SubscribeToAllOptions,
} from '../event-store.port';
import { positionOf, type Position } from '../position';
import { stoppable } from '../subscription';
import { RecentEvents } from './recent-events';
import { SCHEMA, SCHEMA_VERSION } from './schema';

export type SqliteSynchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

export interface SqliteEventStoreOptions {
  /** The database file; its folder is created when missing. */
  readonly path: string;
  /** FULL (the default) makes every acknowledged append survive a power loss. */
  readonly synchronous?: SqliteSynchronous;
  /** How often an idle subscription looks for events written by another process. */
  readonly pollIntervalMs?: number;
}

interface EventRow {
  position: number;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

const PAGE = 500;
/**
 * Without fsyncs at commit (synchronous NORMAL or OFF), the WAL grows to about this many pages
 * (of 4 KiB) before a commit copies it into the database file. SQLite's default of 1000 makes a
 * busy writer checkpoint every few groups, each time with two fsyncs and scattered writes; ten
 * times that lets one checkpoint take many rewrites of the same pages at once. At FULL every
 * commit syncs the WAL anyway, and a WAL that is still growing makes each of those syncs write
 * the file's size too, so FULL keeps SQLite's default. Durability is the same either way.
 */
const NO_SYNC_CHECKPOINT_PAGES = 10_000;
/** The most streams whose revision the store remembers between groups; then it starts afresh. */
const MAX_CACHED_STREAMS = 10_000;
/** A stream without events, in the revision cache. */
const NO_STREAM = -1;
/** The most appends one group commit takes; the rest go in the next group. */
const MAX_GROUP = 1000;
/** How many of the events it committed last the store keeps for the subscribers in its process. */
const RECENT_EVENTS = 4096;

/** What `onCommitted` listeners are told of a group: how many of its appends were written. */
export interface CommittedGroup {
  readonly appends: number;
}

interface PendingAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: SerializedEvent[];
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

/** An append's outcome in a group; `rows` is where its events are in the group's written rows. */
type Outcome = { ok: true; result: AppendResult; rows?: readonly [from: number, to: number] } | { ok: false; error: unknown };
/** Thrown out of a group transaction to roll it back and write the group one append at a time. */
const WRITE_FAILED = Symbol('an append failed after it began to write');
const COLUMNS = 'position, event_id, stream, revision, type, data, metadata, recorded_at';
const TEXT_COLUMNS = 'position, stream, revision, type, data, metadata';

/** COLUMNS as an array: better-sqlite3 hands out arrays faster than objects. */
type EventArrayRow = [position: number, eventId: string, stream: string, revision: number, type: string, data: string, metadata: string, recordedAt: string];
/**
 * A page row with some metadata fields only: `whole` is the metadata text when SQLite does not
 * read it as a JSON object (not JSON, another JSON value, nested past its depth limit), null
 * otherwise; then each field's value as JSON text, null when the metadata has no such field.
 */
type PartialMetadataRow = [position: number, eventId: string, stream: string, revision: number, type: string, data: string, recordedAt: string, whole: string | null, ...fields: (string | null)[]];
/** A metadata field name: an identifier (and never `__proto__`, which an assignment would not store). */
const METADATA_FIELD = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;
/** TEXT_COLUMNS as an array, for the same reason. */
type StoredTextRow = [position: number, stream: string, revision: number, type: string, data: string, metadata: string];

/**
 * The embedded event store: one SQLite file in WAL mode. Positions are the table's integer
 * primary key; SQLite admits one writer at a time, so positions are handed out in commit order
 * and a reader never sees a gap fill in behind it.
 */
export class SqliteEventStore implements EventStore, StoredTextReader, CatchUpReader, PageFollower {
  private readonly db: Database.Database;
  /** The followers waiting for commits: `readFile` when what woke them may be in the file only. */
  private readonly wakers = new Set<(readFile: boolean) => void>();
  /** Told after each group this connection commits (onCommitted). */
  private readonly committedListeners = new Set<(group: CommittedGroup) => void>();
  private readonly pollIntervalMs: number;
  private closed = false;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;

  private readonly lastRevisionStmt: Database.Statement<[string], { revision: number }>;
  private readonly insertStmt: Database.Statement<[number, string, string, number, string, string, string, string]>;
  private readonly forwardStmt: Database.Statement<[string, number, number], EventRow>;
  private readonly backwardStmt: Database.Statement<[string, number, number], EventRow>;
  private readonly allStmt: Database.Statement<[number, number], EventRow>;
  private readonly headStmt: Database.Statement<[], { position: number | null }>;
  private readonly allTextStmt: Database.Statement<[number, number], StoredTextRow>;
  private readonly pageStmt: Database.Statement<[number, number], EventArrayRow>;
  /** Page statements that read some metadata fields only, by the fields' names joined with commas. */
  private readonly pageWithFieldsStmts = new Map<string, Database.Statement<[number, number], PartialMetadataRow>>();
  private readonly streamTextStmt: Database.Statement<[string, number, number], StoredTextRow>;
  private readonly commitTogether: (group: readonly PendingAppend[], outcomes: Outcome[]) => void;
  private readonly commitOneByOne: (group: readonly PendingAppend[], outcomes: Outcome[]) => void;
  /**
   * The last revision of streams that group commits have read or written (NO_STREAM for none).
   * It holds only while no other connection commits: SQLite's data_version tells, and the cache
   * is emptied when it moves (another process appending to the same file) or a group rolls back.
   */
  private readonly revisions = new Map<string, number>();
  /** The events this connection committed last, for `followPagesAfter`; see RecentEvents. */
  private readonly recent = new RecentEvents<EventArrayRow, RecordedEvent>(RECENT_EVENTS, (row) => recordedOf(...row));
  /** The rows the group being written has inserted so far, in position order. */
  private written: EventArrayRow[] = [];
  /** Counts the groups this connection has tried to commit: a follower reads the file again after any. */
  private groupsTried = 0;
  /** Changes when another connection commits (SQLite's data_version). */
  private readonly dataVersionStmt: Database.Statement<[], number>;
  private revisionsDataVersion: number | undefined;

  private constructor(options: SqliteEventStoreOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path);
      this.db.pragma('journal_mode = WAL');
      const synchronous = options.synchronous ?? 'FULL';
      this.db.pragma(`synchronous = ${synchronous}`);
      if (synchronous === 'NORMAL' || synchronous === 'OFF') this.db.pragma(`wal_autocheckpoint = ${NO_SYNC_CHECKPOINT_PAGES}`);
      this.db.pragma('busy_timeout = 5000');
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(`the file has schema version ${version}; this build knows up to ${SCHEMA_VERSION}`);
      }
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (error) {
      throw new EventStoreUnavailable(`cannot open the SQLite event store at ${options.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.lastRevisionStmt = this.db.prepare('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1');
    this.insertStmt = this.db.prepare(
      `INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.forwardStmt = this.db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    );
    this.backwardStmt = this.db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    );
    this.allStmt = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`);
    this.headStmt = this.db.prepare('SELECT max(position) AS position FROM events');
    this.pageStmt = this.db
      .prepare<[number, number], EventArrayRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`)
      .raw(true);
    this.allTextStmt = this.db
      .prepare<[number, number], StoredTextRow>(`SELECT ${TEXT_COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`)
      .raw();
    this.streamTextStmt = this.db
      .prepare<[string, number, number], StoredTextRow>(`SELECT ${TEXT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`)
      .raw();
    const nextPositionStmt = this.db.prepare<[], { next: number }>('SELECT coalesce(max(position), -1) + 1 AS next FROM events');

    // One append, inside the group's transaction: better-sqlite3 runs a nested transaction
    // function as a SAVEPOINT, so a failure undoes this append alone.
    const appendOne = this.db.transaction((stream: string, expected: ExpectedRevision, events: SerializedEvent[]): AppendResult => {
      const current = this.lastRevisionStmt.get(stream)?.revision;
      checkExpected(stream, expected, current);
      const written = this.writeEvents(stream, current ?? -1, nextPositionStmt.get()!.next, events, new Date().toISOString());
      return { nextExpectedRevision: written.revision, position: positionOf(written.position - 1) };
    });
    this.commitOneByOne = this.db.transaction((group: readonly PendingAppend[], outcomes: Outcome[]) => {
      for (const append of group) {
        try {
          outcomes.push({ ok: true, result: appendOne(append.stream, append.expected, append.events) });
        } catch (error) {
          // SQLite may roll the whole transaction back on some errors (a full disk, an I/O error):
          // then nothing of the group is written, and the group fails as one.
          if (!this.db.inTransaction) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    }).immediate;
    // The usual group, without a SAVEPOINT per append: each append's revision is checked before
    // it writes anything, so one that fails its check has nothing to undo. Any other failure
    // (a duplicate event id, a full disk) throws WRITE_FAILED: the whole transaction rolls back
    // and flush() writes the group again with commitOneByOne, which gives every append the
    // outcome it has there. The transaction holds the write lock from its first statement, so
    // positions are counted here from one read.
    const dataVersionStmt = (this.dataVersionStmt = this.db.prepare<[], number>('PRAGMA data_version').pluck());
    this.commitTogether = this.db.transaction((group: readonly PendingAppend[], outcomes: Outcome[]) => {
      try {
        // Inside the transaction the write lock is held: no other connection commits until it ends.
        const dataVersion = dataVersionStmt.get()!;
        if (dataVersion !== this.revisionsDataVersion || this.revisions.size > MAX_CACHED_STREAMS) this.revisions.clear();
        this.revisionsDataVersion = dataVersion;
        let position = nextPositionStmt.get()!.next;
        const recordedAt = new Date().toISOString();
        for (const append of group) {
          const stream = append.stream;
          let known = this.revisions.get(stream);
          if (known === undefined) {
            known = this.lastRevisionStmt.get(stream)?.revision ?? NO_STREAM;
            this.revisions.set(stream, known);
          }
          const current = known === NO_STREAM ? undefined : known;
          if (!expectationMet(append.expected, current)) {
            outcomes.push({ ok: false, error: new WrongExpectedRevision(stream, String(append.expected), current ?? 'no_stream') });
            continue;
          }
          const from = this.written.length;
          const written = this.writeEvents(stream, current ?? -1, position, append.events, recordedAt);
          position = written.position;
          // Not committed yet: flush() empties the cache if this transaction does not commit.
          this.revisions.set(stream, written.revision);
          outcomes.push({ ok: true, result: { nextExpectedRevision: written.revision, position: positionOf(position - 1) }, rows: [from, this.written.length] });
        }
      } catch {
        throw WRITE_FAILED;
      }
    }).immediate;
  }

  /** Inserts an append's events after `revision`, from `position`; gives its last revision and the next free position. */
  private writeEvents(stream: string, revision: number, position: number, events: readonly SerializedEvent[], recordedAt: string): { revision: number; position: number } {
    for (const event of events) {
      revision += 1;
      this.insertStmt.run(position, event.id, stream, revision, event.type, event.data, event.metadata, recordedAt);
      this.written.push([position, event.id, stream, revision, event.type, event.data, event.metadata, recordedAt]);
      position += 1;
    }
    return { revision, position };
  }

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    return new SqliteEventStore(options);
  }

  /**
   * Group commit: appends that arrive while a transaction is being written wait for the next
   * one, and a whole group shares one commit (one fsync at synchronous=FULL). Each append keeps
   * its own expected-revision check and outcome, and resolves only once its group is durable.
   */
  append(stream: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    try {
      this.assertOpen();
      const prepared = prepareAppend(stream, events, options);
      return new Promise((resolve, reject) => {
        this.pending.push({ stream, expected: prepared.expected, events: prepared.events, resolve, reject });
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => this.flush());
        }
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const group = this.pending.splice(0, MAX_GROUP);
      let outcomes: Outcome[] = [];
      let committed = false;
      this.written = [];
      try {
        if (this.closed) throw new EventStoreUnavailable('the event store is closed');
        try {
          this.commitTogether(group, outcomes);
          // Committed: the rows written are the log from their first position to their last.
          this.recent.add(this.written);
          committed = true;
        } catch (error) {
          // Rolled back: what the cache learnt in the transaction may not be in the file.
          this.revisions.clear();
          // The rows of appends undone one by one are not all in the file: subscribers read it.
          this.recent.clear();
          if (error !== WRITE_FAILED) throw error;
          outcomes = [];
          this.commitOneByOne(group, outcomes);
        }
      } catch (error) {
        // BEGIN or COMMIT failed, or SQLite rolled the transaction back: nothing of the group is written.
        for (const append of group) append.reject(translate(error, append.stream));
        this.groupsTried++;
        continue;
      }
      this.groupsTried++;
      group.forEach((append, i) => {
        const outcome = outcomes[i];
        if (outcome.ok) append.resolve(committed && outcome.rows ? this.withRecorded(outcome.result, this.written.slice(...outcome.rows)) : outcome.result);
        else append.reject(this.duplicateOf(outcome.error, append) ?? translate(outcome.error, append.stream));
      });
      this.wakeSubscribers({ appends: outcomes.reduce((written, outcome) => written + (outcome.ok ? 1 : 0), 0) });
    }
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    checkStreamName(stream);
    const backwards = options.direction === 'backwards';
    let remaining = checkCount(options.maxCount);
    let from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    if (!Number.isSafeInteger(from) || from < 0) throw new InvalidEventStoreInput('fromRevision must be a revision (>= 0)');
    let first = true;
    while (remaining > 0) {
      this.assertOpen();
      const rows = this.guard(() => (backwards ? this.backwardStmt : this.forwardStmt).all(stream, from, Math.min(PAGE, remaining)));
      if (first && rows.length === 0 && this.lastRevisionStmt.get(stream) === undefined) throw new StreamNotFound(stream);
      first = false;
      for (const row of rows) yield toRecorded(row);
      if (rows.length < Math.min(PAGE, remaining)) return;
      remaining -= rows.length;
      from = rows[rows.length - 1].revision + (backwards ? -1 : 1);
      if (from < 0) return;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    let remaining = checkCount(options.maxCount);
    // The port's readAll is inclusive; the statement reads after a position.
    let after = options.fromPosition ? toSequence(options.fromPosition) - 1 : -1;
    while (remaining > 0) {
      this.assertOpen();
      const rows = this.guard(() => this.allStmt.all(after, Math.min(PAGE, remaining)));
      for (const row of rows) yield toRecorded(row);
      if (rows.length < Math.min(PAGE, remaining)) return;
      remaining -= rows.length;
      after = rows[rows.length - 1].position;
    }
  }

  /**
   * Pages of the log after `position`, a page per read: a catch-up takes a batch at a time instead
   * of awaiting every event on its own.
   */
  async *readPagesAfter(position: Position | undefined, pageSize: number, options: PageReadOptions = {}): AsyncGenerator<readonly RecordedEvent[]> {
    let after = position ? toSequence(position) : -1;
    const fields = options.metadataFields;
    this.assertOpen();
    const partial = fields === undefined ? undefined : this.guard(() => this.pageWithFields(fields));
    for (;;) {
      this.assertOpen();
      const events = partial
        ? this.guard(() => partial.all(after, pageSize)).map((row) => withMetadataFields(row, fields!))
        : this.guard(() => this.pageStmt.all(after, pageSize)).map((row) => recordedOf(...row));
      if (events.length > 0) yield events;
      if (events.length < pageSize) return;
      after = toSequence(events[events.length - 1].position);
    }
  }

  /** The page statement that reads `fields` of the metadata (SQLite's JSON functions pick them out). */
  private pageWithFields(fields: readonly string[]): Database.Statement<[number, number], PartialMetadataRow> {
    for (const field of fields) {
      if (!METADATA_FIELD.test(field)) throw new InvalidEventStoreInput(`metadata field ${JSON.stringify(field)}: letters, digits and _ only`);
    }
    const key = fields.join(',');
    let statement = this.pageWithFieldsStmts.get(key);
    if (!statement) {
      const object = `json_valid(metadata) AND json_type(metadata) = 'object'`;
      const picked = fields.map((field) => `, CASE WHEN ${object} THEN metadata -> '$.${field}' END`).join('');
      statement = this.db
        .prepare<[number, number], PartialMetadataRow>(
          `SELECT position, event_id, stream, revision, type, data, recorded_at, CASE WHEN ${object} THEN NULL ELSE metadata END${picked}
           FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`,
        )
        .raw(true);
      this.pageWithFieldsStmts.set(key, statement);
    }
    return statement;
  }

  async *readAllText(): AsyncGenerator<readonly StoredEventText[]> {
    let after = -1;
    for (;;) {
      this.assertOpen();
      const rows = this.guard(() => this.allTextStmt.all(after, PAGE));
      if (rows.length > 0) yield rows.map(toStoredText);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1][0];
    }
  }

  async *readStreamText(stream: string): AsyncGenerator<readonly StoredEventText[]> {
    this.assertOpen();
    checkStreamName(stream);
    let from = 0;
    for (;;) {
      this.assertOpen();
      const rows = this.guard(() => this.streamTextStmt.all(stream, from, PAGE));
      if (from === 0 && rows.length === 0 && this.lastRevisionStmt.get(stream) === undefined) throw new StreamNotFound(stream);
      if (rows.length > 0) yield rows.map(toStoredText);
      if (rows.length < PAGE) return;
      from = rows[rows.length - 1][2] + 1;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    this.assertOpen();
    const filter = options.filter;
    let after = options.fromPosition ? toSequence(options.fromPosition) : -1;
    let stopped = false;
    let wake: (() => void) | undefined;
    const waker = () => wake?.();
    this.wakers.add(waker);

    const store = this;
    async function* follow(): AsyncGenerator<RecordedEvent> {
      try {
        while (!stopped && !store.closed) {
          const rows = store.guard(() => store.allStmt.all(after, PAGE));
          if (rows.length === 0) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, store.pollIntervalMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
            continue;
          }
          for (const row of rows) {
            after = row.position;
            if (matchesFilter(row.stream, row.type, filter)) yield toRecorded(row);
            if (stopped) return;
          }
        }
      } finally {
        store.wakers.delete(waker);
      }
    }

    return stoppable(follow(), () => {
      stopped = true;
      waker();
    });
  }

  /**
   * The result of an append with the events it wrote, parsed when first asked for: from the
   * recent events when they are still kept there (so the appender and the subscribers share one
   * parse), else from the rows.
   */
  private withRecorded(result: AppendResult, rows: readonly EventArrayRow[]): AppendResult {
    let recorded: readonly RecordedEvent[] | undefined;
    const recent = this.recent;
    return {
      ...result,
      get recorded() {
        if (recorded === undefined) {
          const kept = recent.after(rows[0][0] - 1, rows.length);
          recorded = kept?.length === rows.length ? kept : rows.map((row) => recordedOf(...row));
        }
        return recorded;
      },
    };
  }

  /**
   * The log after `position` a page at a time, then each commit as it becomes durable. Pages of
   * events this connection committed come from memory (RecentEvents), each event parsed once for
   * every subscriber; the rest, and what other connections commit (looked for every
   * `pollIntervalMs` while idle), is read from the file.
   */
  followPagesAfter(position: Position | undefined, pageSize: number): PageSubscription {
    this.assertOpen();
    let after = position ? toSequence(position) : -1;
    let stopped = false;
    let wake: ((readFile: boolean) => void) | undefined;
    // A poke that comes while the subscriber is busy with a page is kept for the next turn.
    let poked = false;
    const waker = (readFile: boolean) => {
      if (wake) wake(readFile);
      else if (readFile) poked = true;
    };
    this.wakers.add(waker);

    const store = this;
    async function* follow(): AsyncGenerator<readonly RecordedEvent[]> {
      try {
        // The file is read first, and again whenever waiting timed out instead of being woken by a commit here.
        let readFile = true;
        // What had been committed when a read of the file last found nothing after `after`: while
        // no connection has committed since, the file has nothing new (an idle poll costs a PRAGMA).
        let quiet: string | undefined;
        while (!stopped && !store.closed) {
          const kept = store.recent.after(after, pageSize);
          // After a page read from the file the file is read again (as after a wait that timed
          // out): what another connection committed just after this one's last commit comes at once.
          let fromFile: boolean = kept === undefined || (kept.length === 0 && (readFile || poked));
          let committed: string | undefined;
          if (fromFile) {
            poked = false;
            committed = `${store.guard(() => store.dataVersionStmt.get())}/${store.groupsTried}`;
            if (committed === quiet) fromFile = false;
          }
          const page = fromFile ? store.guard(() => store.pageStmt.all(after, pageSize)).map((row) => recordedOf(...row)) : (kept ?? []);
          if (page.length > 0) {
            after = toSequence(page[page.length - 1].position);
            readFile = fromFile;
            quiet = undefined;
            yield page;
            continue;
          }
          if (fromFile) quiet = committed;
          readFile = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), store.pollIntervalMs);
            wake = (readFile) => {
              clearTimeout(timer);
              resolve(readFile);
            };
          });
          wake = undefined;
        }
      } finally {
        store.wakers.delete(waker);
      }
    }

    return stoppable(follow(), () => {
      stopped = true;
      waker(true);
    });
  }

  async headPosition(): Promise<Position | undefined> {
    this.assertOpen();
    const head = this.guard(() => this.headStmt.get())?.position;
    return head === null || head === undefined ? undefined : positionOf(head);
  }

  async checkHealth(): Promise<void> {
    this.assertOpen();
    this.guard(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already accepted are written before the file is released.
    this.flush();
    this.closed = true;
    for (const wake of this.wakers) wake(true);
    this.committedListeners.clear();
    this.db.close();
  }

  /** A UNIQUE(event_id) failure of an append, as the port's error naming the id already stored. */
  private duplicateOf(error: unknown, append: PendingAppend): DuplicateEventId | undefined {
    if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE' || !String((error as Error).message).includes('event_id')) return undefined;
    const stored = this.db.prepare<[string], { event_id: string }>('SELECT event_id FROM events WHERE event_id = ?');
    const id = append.events.map((event) => event.id).find((candidate) => stored.get(candidate)) ?? append.events[0].id;
    return new DuplicateEventId(id);
  }

  private wakeSubscribers(group: CommittedGroup): void {
    for (const wake of this.wakers) wake(false);
    for (const listener of this.committedListeners) {
      try {
        listener(group);
      } catch {
        // A listener is told, not asked: its failure must not leave the appends after it unanswered.
      }
    }
  }

  /**
   * `listener` is called after each group of appends this connection commits, once their callers
   * have their answers (also after a group whose appends were all refused: it costs a follower
   * one read), with how many of the group's appends were written; what it throws is ignored.
   * Returns what stops it. Another thread's followers of the
   * same file can be woken with `poke`.
   */
  onCommitted(listener: (group: CommittedGroup) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  /**
   * Wakes the followers of this connection to read the file now: another connection (another
   * thread's, in this process) has committed. A follower busy with a page reads the file when it
   * next looks. Without a poke they find the commit at their next poll.
   */
  poke(): void {
    for (const wake of this.wakers) wake(true);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('the event store is closed');
  }

  private guard<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      throw translate(error);
    }
  }
}

function expectationMet(expected: ExpectedRevision, current: number | undefined): boolean {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && expected === current)
  );
}

function checkExpected(stream: string, expected: ExpectedRevision, current: number | undefined): void {
  if (!expectationMet(expected, current)) throw new WrongExpectedRevision(stream, String(expected), current ?? 'no_stream');
}

function checkCount(maxCount: number | undefined): number {
  if (maxCount === undefined) return Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new InvalidEventStoreInput('maxCount must be a whole number >= 0');
  return maxCount;
}

function toSequence(position: Position): number {
  if (position.commit !== position.prepare) {
    throw new InvalidEventStoreInput('this position does not come from the SQLite event store');
  }
  return Number(position.commit);
}

function toRecorded(row: EventRow): RecordedEvent {
  return recordedOf(row.position, row.event_id, row.stream, row.revision, row.type, row.data, row.metadata, row.recorded_at);
}

function recordedOf(
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  dataText: string,
  metadataText: string,
  recordedAt: string,
): RecordedEvent {
  let data: Record<string, unknown>;
  let metadata: Record<string, unknown>;
  try {
    data = JSON.parse(dataText);
    metadata = JSON.parse(metadataText);
  } catch (error) {
    throw new CorruptStoredEvent(stream, revision, positionOf(position), (error as Error).message);
  }
  return { id, stream, revision, position: positionOf(position), type, data, metadata, recordedAt };
}

/**
 * The event with the metadata fields SQLite picked out. Metadata SQLite did not read as an object
 * is parsed here as the whole read parses it: text that is not JSON fails the same way, another
 * JSON value is handed back as it is, an object nested deeper than SQLite reads gives its fields.
 * (Of a key written twice, SQLite picks the first and JSON.parse the last; `append` never writes one.)
 */
function withMetadataFields(row: PartialMetadataRow, fields: readonly string[]): RecordedEvent {
  const [position, id, stream, revision, type, dataText, recordedAt, whole] = row;
  let data: Record<string, unknown>;
  let metadata: Record<string, unknown> = {};
  try {
    data = JSON.parse(dataText);
    if (whole !== null) {
      const parsed: unknown = JSON.parse(whole);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        metadata = parsed as Record<string, unknown>;
      } else {
        for (const field of fields) if (Object.hasOwn(parsed, field)) metadata[field] = (parsed as Record<string, unknown>)[field];
      }
    } else {
      for (let i = 0; i < fields.length; i++) {
        const value = row[8 + i] as string | null | undefined;
        if (value !== null && value !== undefined) metadata[fields[i]] = JSON.parse(value);
      }
    }
  } catch (error) {
    throw new CorruptStoredEvent(stream, revision, positionOf(position), (error as Error).message);
  }
  return { id, stream, revision, position: positionOf(position), type, data, metadata, recordedAt };
}

function toStoredText([, stream, revision, type, data, metadata]: StoredTextRow): StoredEventText {
  return { stream, revision, type, data, metadata };
}

/** SQLite errors become the port's: constraint races, busy or broken files, a full disk. */
function translate(error: unknown, stream?: string): Error {
  if (error instanceof EventStoreError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new WrongExpectedRevision(stream ?? '?', 'a free revision', 'no_stream');
  }
  return new EventStoreUnavailable(`the SQLite event store failed: ${message}`, { cause: error });
}
