import type { Position } from './position';

/**
 * The event store's typed errors. Adapters translate every vendor error into one of these at
 * the port, so nothing above the port ever sees a SQLite or gRPC error.
 */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export class WrongExpectedRevision extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: string,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${expected}, actual ${actual}`);
  }
}

export class StreamNotFound extends EventStoreError {
  readonly code = 'STREAM_NOT_FOUND';
  constructor(readonly stream: string) {
    super(`stream ${stream} does not exist`);
  }
}

/** The caller handed the store something it cannot keep: a bad stream name, non-JSON data, an oversized event. */
export class InvalidEventStoreInput extends EventStoreError {
  readonly code = 'INVALID_EVENT_STORE_INPUT';
}

/** An event id that the store already holds (event ids are unique across the whole store). */
export class DuplicateEventId extends EventStoreError {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already stored`);
  }
}

/** The store cannot be reached or written right now; nothing of the failed call was written. */
export class EventStoreUnavailable extends EventStoreError {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A stored event that cannot be read back (its data or metadata is not JSON): the file was damaged or edited. */
export class CorruptStoredEvent extends EventStoreError {
  readonly code = 'CORRUPT_STORED_EVENT';
  constructor(
    readonly stream: string,
    readonly revision: number,
    readonly position: Position,
    detail: string,
  ) {
    super(`${stream} revision ${revision} cannot be read: ${detail}`);
  }
}
