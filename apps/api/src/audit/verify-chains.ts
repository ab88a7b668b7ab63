import {
  ChainVerifier,
  CorruptStoredEvent,
  readsStoredText,
  reportsForeignEvents,
  StreamNotFound,
  UNREADABLE_EVENT,
  type ChainBreak,
  type EventStore,
  type Position,
  type StoredEventText,
} from '@app/event-store';
import { problem, ProblemError } from '../http/problem';

export interface Verification {
  readonly ok: boolean;
  readonly checkedStreams: number;
  readonly checkedEvents: number;
  readonly broken: ChainBreak[];
  /**
   * Events of other writers the walk passed over (EventStoreDB: non-JSON, another content type,
   * malformed JSON, not an object): not in any chain and not a failure, reported so an auditor sees
   * them. Absent on a store that holds only the engine's events (SQLite).
   */
  readonly foreignEvents?: { readonly skipped: number; readonly last?: string };
}

/** Events checked between two turns of the event loop when the store hands out events one by one. */
const EVENTS_PER_TURN = 500;

/** Lets the event loop run what is waiting (timers, sockets) before the walk goes on. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Walks the log (or one stream) once, keeping one hash per stream in memory. Between pages it lets
 * the event loop turn, so a process that also serves requests keeps answering them; the API runs
 * it on a worker thread of its own where it can (see ChainVerification).
 */
export async function verifyStore(store: EventStore, stream?: string, onProgress?: (checked: number) => void): Promise<Verification> {
  const verifier = new ChainVerifier();
  const foreignBefore = reportsForeignEvents(store) ? store.foreignEventsSkipped().count : undefined;
  try {
    if (readsStoredText(store)) await checkStoredText(verifier, stream ? store.readStreamText(stream) : store.readAllText(), onProgress);
    else await checkRecorded(verifier, store, stream, onProgress);
  } catch (error) {
    if (error instanceof StreamNotFound && stream) {
      throw new ProblemError(problem(404, 'STREAM_NOT_FOUND', `there is no stream ${stream}`));
    }
    throw error;
  }
  const verification = { ok: verifier.broken.length === 0, checkedStreams: verifier.checkedStreams, checkedEvents: verifier.checkedEvents, broken: verifier.broken };
  if (foreignBefore === undefined || !reportsForeignEvents(store)) return verification;
  // The adapter counts every foreign event it passes, on any read: the walk's share is the difference.
  const after = store.foreignEventsSkipped();
  const skipped = after.count - foreignBefore;
  return { ...verification, foreignEvents: skipped > 0 ? { skipped, last: after.last } : { skipped } };
}

/** A store that hands out its stored text: the chain is checked on the text, unreadable events included. */
async function checkStoredText(verifier: ChainVerifier, pages: AsyncIterable<readonly StoredEventText[]>, onProgress?: (checked: number) => void): Promise<void> {
  for await (const page of pages) {
    for (const event of page) {
      verifier.checkStored(event);
      if (onProgress && verifier.checkedEvents % 100_000 === 0) onProgress(verifier.checkedEvents);
    }
    await nextTurn();
  }
}

async function checkRecorded(verifier: ChainVerifier, store: EventStore, stream?: string, onProgress?: (checked: number) => void): Promise<void> {
  // An event that cannot be read back is reported, and the walk resumes just after it.
  let resume: { position?: Position; revision?: number } = {};
  for (;;) {
    const events = stream ? store.readStream(stream, { fromRevision: resume.revision ?? 0 }) : store.readAll({ fromPosition: resume.position });
    try {
      for await (const event of events) {
        verifier.check(event);
        if (onProgress && verifier.checkedEvents % 100_000 === 0) onProgress(verifier.checkedEvents);
        if (verifier.checkedEvents % EVENTS_PER_TURN === 0) await nextTurn();
      }
      return;
    } catch (error) {
      if (!(error instanceof CorruptStoredEvent)) throw error;
      verifier.unreadable(error.stream, error.revision, UNREADABLE_EVENT);
      resume = stream
        ? { revision: error.revision + 1 }
        : { position: { commit: error.position.commit + 1n, prepare: error.position.prepare + 1n } };
    }
  }
}
