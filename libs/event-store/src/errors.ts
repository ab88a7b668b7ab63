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

/**
 * The store cannot be reached or refused the call before doing anything: nothing of the failed call
 * was written, and trying again is safe. An append that may have been written is `AppendOutcomeUnknown`.
 */
export class EventStoreUnavailable extends EventStoreError {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * An append whose outcome is not known: the store did not answer in time, or the connection broke
 * after the request was sent. The events may have been written (the server may still commit them),
 * so a retry must be one that is safe to repeat: the same command with the same idempotency key,
 * or an append with an exact expected revision.
 */
export class AppendOutcomeUnknown extends EventStoreError {
  readonly code = 'APPEND_OUTCOME_UNKNOWN';
  constructor(
    readonly stream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`append to ${stream}: ${message}; it may have been written`, options);
  }
}

/** The stream was deleted (or tombstoned) in the store: reading or appending to it will not start working again. */
export class StreamDeleted extends EventStoreError {
  readonly code = 'STREAM_DELETED';
  constructor(readonly stream: string) {
    super(`stream ${stream} was deleted in the event store`);
  }
}

/**
 * The store refused the engine's credentials for this call (a missing ACL, a proxy that denies
 * the route): a configuration error that trying again does not fix.
 */
export class EventStoreAccessDenied extends EventStoreError {
  readonly code = 'EVENT_STORE_ACCESS_DENIED';
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
