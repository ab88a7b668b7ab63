import { chainEvents, formatPosition, WrongExpectedRevision, type AppendResult, type EventStore, type RecordedEvent } from '@app/event-store';
import { problem, ProblemError } from '../http/problem';
import type { CommandContext } from '../tickets/command-context';
import type { CommandStreams, Fold, StreamView } from './command-streams';
import { UNWATCHED_STEPS, type CommandSteps } from './command-telemetry';

/** A rule violation as the domain returns it: a stable code, a kind that picks the HTTP status. */
export interface DomainError {
  readonly code: string;
  readonly kind: 'not_found' | 'conflict' | 'invalid';
  readonly message: string;
  readonly field?: string;
}

/** What the command runner needs to know of an aggregate: its stream, how to fold it, how it decides. */
export interface AggregateType<State, Command, Event extends { type: string; data: object }> {
  readonly name: string;
  streamOf(id: string): string;
  /** Folds events from the start, or onto `from`, the state of the events before them. */
  fold: Fold<State>;
  /** `recorded` gives the stream the state was folded from, for a decision that reads more than the state. */
  decide(
    command: Command,
    state: State,
    now: string,
    recorded: () => readonly RecordedEvent[],
  ): { ok: true; events: Event[] } | { ok: false; error: DomainError };
  schemaVersion(event: Event): number;
}

/** What every accepted command answers. */
export interface CommandOutcome {
  readonly id: string;
  /** The revision of the stream's last event after the command: its new ETag. */
  readonly revision: number;
  /** The global position of that event: hand it to a view as `minPosition` to read your write. */
  readonly position: string;
  /** True when this answer is the stored first answer to a retried Idempotency-Key. */
  readonly replayed: boolean;
}

/** Who and what caused the events of one command: recorded in each event's metadata. */
export interface CommandMetadata {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: { readonly name: string; readonly role: string };
  /** SHA-256 of the request, for idempotent retries; absent for commands the engine raises itself. */
  readonly requestHash?: string;
}

/** How many times a command is decided again after another writer changed the stream first. */
const MAX_ATTEMPTS = 5;

const STATUS = { not_found: 404, conflict: 409, invalid: 400 } as const;

/** A domain rejection as an HTTP problem: the domain's kind picks the status, its code stays. */
export function domainProblem(error: DomainError): ProblemError {
  const extra = error.field ? { errors: [{ field: error.field, message: error.message }] } : {};
  return new ProblemError(problem(STATUS[error.kind], error.code, error.message, extra));
}

/**
 * Load the stream, decide, append with the expected revision. On a revision conflict, load and
 * decide again (the new state may now refuse the command: a clean 409), a bounded number of
 * times. A command whose id is already in the stream returns its first answer and appends nothing.
 *
 * The stream as remembered (CommandStreams) may miss what another writer appended: an append
 * decided on it finds out by its expected revision, and any other answer (a refusal, a 412, a
 * replayed first answer) is given only after reading the stream and deciding again.
 */
export async function runCommand<State, Command, Event extends { type: string; data: object }>(
  streams: CommandStreams,
  type: AggregateType<State, Command, Event>,
  id: string,
  command: Command,
  context: CommandContext,
  now: () => string,
): Promise<CommandOutcome> {
  const name = (command as { type?: unknown }).type;
  const work = (steps: CommandSteps) => decideAndAppend(streams, type, id, command, context, now, steps);
  return streams.telemetry ? streams.telemetry.run(type.name, typeof name === 'string' ? name : 'unknown', context, work) : work(UNWATCHED_STEPS);
}

async function decideAndAppend<State, Command, Event extends { type: string; data: object }>(
  streams: CommandStreams,
  type: AggregateType<State, Command, Event>,
  id: string,
  command: Command,
  context: CommandContext,
  now: () => string,
  steps: CommandSteps,
): Promise<CommandOutcome> {
  const stream = type.streamOf(id);
  /** What the command comes to on one state of the stream: events to append, or an answer. */
  const settle = (loaded: StreamView<State>, at: string): { events: Event[] } | { answer: CommandOutcome } | { refusal: unknown } => {
    try {
      const last = loaded.last;
      const revision = last ? last.revision : -1;
      const earlier = context.idempotent ? firstAnswer(loaded, id, context) : undefined;
      if (earlier) return { answer: earlier };
      if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
        return { refusal: revisionMismatch(context.expectedRevision, revision) };
      }
      const decision = type.decide(command, loaded.state, at, () => loaded.recorded);
      if (!decision.ok) return { refusal: domainProblem(decision.error) };
      if (decision.events.length > 0) return { events: decision.events };
      // Nothing to record (an idempotent no-op of the domain): the stream stays as it is.
      return { answer: { id, revision, position: last ? formatPosition(last.position) : '-1', replayed: true } };
    } catch (error) {
      return { refusal: error };
    }
  };
  let read = false;
  // Attempts on the stream as read count toward MAX_ATTEMPTS; one on the stream as remembered,
  // which an append may find out of date, does not.
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; ) {
    let loaded = await streams.load(stream, type.fold, { fresh: read });
    if (loaded.fresh) attempt++;
    const at = now();
    let step = steps.decide(() => settle(loaded, at));
    if (!('events' in step) && !loaded.fresh) {
      loaded = await streams.load(stream, type.fold, { fresh: true });
      step = steps.decide(() => settle(loaded, at));
    }
    if ('refusal' in step) throw step.refusal;
    if ('answer' in step) return step.answer;
    try {
      const events = step.events;
      const appending = loaded;
      const { sealed, result } = await steps.append(async () => {
        const sealed = streams.personalData ? await streams.personalData.seal(stream, events, customerOf(appending.state, events), at) : events;
        return { sealed, result: await appendAfter(streams.store, stream, appending.last, sealed, type.schemaVersion, metadataOf(context), at) };
      });
      // Remembered as decided: the stream's next command folds clear values, as from a fresh read.
      const recorded = sealed === step.events ? result.recorded : result.recorded?.map((event, i) => ({ ...event, data: step.events[i].data as Record<string, unknown> }));
      streams.appended(stream, loaded, recorded, type.fold);
      return { id, revision: result.nextExpectedRevision, position: formatPosition(result.position), replayed: false };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision)) throw error;
      // Someone wrote first, or the stream is not what is remembered of it: the next attempt reads
      // it whole (and answers a stale If-Match with the revision it finds).
      streams.forget(stream);
      read = true;
    }
  }
  throw new ProblemError(problem(409, 'CONCURRENCY_CONFLICT', `the ${type.name} kept changing; gave up after ${MAX_ATTEMPTS} attempts`));
}

/**
 * Appends events after the stream as it was read: each event gets the command's metadata, the
 * server time, its schema version and its link in the stream's hash chain, and the append expects
 * the revision that was read (a conflict means someone wrote in between). The API's store adds
 * each event's seal as it commits (see `sealingStore`), whoever calls it.
 */
export function appendChained<Event extends { type: string; data: object }>(
  store: EventStore,
  stream: string,
  recorded: readonly RecordedEvent[],
  events: readonly Event[],
  schemaVersion: (event: Event) => number,
  metadata: CommandMetadata,
  recordedAt: string,
): Promise<AppendResult> {
  return appendAfter(store, stream, recorded.at(-1), events, schemaVersion, metadata, recordedAt);
}

/** `appendChained` after the stream's last event as read (undefined: the stream has none). */
function appendAfter<Event extends { type: string; data: object }>(
  store: EventStore,
  stream: string,
  last: RecordedEvent | undefined,
  events: readonly Event[],
  schemaVersion: (event: Event) => number,
  metadata: CommandMetadata,
  recordedAt: string,
): Promise<AppendResult> {
  const stored = events.map((event) => ({
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: { ...metadata, recordedAt, schemaVersion: schemaVersion(event) },
  }));
  return store.append(stream, chainEvents(stream, last, stored), { expectedRevision: last ? last.revision : 'no_stream' });
}

/** The customer whose key seals the personal fields of a stream's events: named by the events, or by the state. */
function customerOf(state: unknown, events: readonly { data: object }[]): string | undefined {
  for (const event of events) {
    const named = (event.data as { customerId?: unknown }).customerId;
    if (typeof named === 'string') return named;
  }
  const held = (state as { customerId?: unknown } | null | undefined)?.customerId;
  return typeof held === 'string' ? held : undefined;
}

function metadataOf(context: CommandContext): CommandMetadata {
  return {
    commandId: context.commandId,
    correlationId: context.correlationId,
    causationId: context.commandId,
    actor: { name: context.actor.keyId, role: context.actor.role },
    requestHash: context.requestHash,
  };
}

/** The stored answer of a command already applied, or a 422 when the key came with another body. */
function firstAnswer(loaded: StreamView<unknown>, id: string, context: CommandContext): CommandOutcome | undefined {
  const caused = loaded.commandEvents(context.commandId);
  if (!caused) return undefined;
  if (caused.first.metadata.requestHash !== context.requestHash) {
    throw new ProblemError(problem(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with another request here'));
  }
  return { id, revision: caused.last.revision, position: formatPosition(caused.last.position), replayed: true };
}

function revisionMismatch(expected: number, actual: number): ProblemError {
  return new ProblemError(
    problem(412, 'REVISION_MISMATCH', `If-Match expected revision ${expected}, the stream is at ${actual}`, { currentRevision: actual }),
  );
}
