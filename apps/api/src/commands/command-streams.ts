import { readStreamOrEmpty, type EventStore, type RecordedEvent } from '@app/event-store';
import type { PersonalDataCipher } from '../personal-data/personal-data-cipher';
import type { CommandTelemetry } from './command-telemetry';

/** A stream as a command finds it: its events so far, and the state they fold to. */
export interface LoadedStream<State> {
  readonly recorded: readonly RecordedEvent[];
  readonly state: State;
}

/** A loaded stream, and whether it was read from the store just now (else it is as remembered). */
export type Loaded<State> = LoadedStream<State> & { readonly fresh: boolean };

/** How the command runner folds a stream's events: from the start, or onto a state already folded. */
export type Fold<State> = (recorded: readonly RecordedEvent[], from?: State) => State;

/** The first and the last event a command appended to a stream: what a retry of it is answered with. */
export interface CommandEvents {
  readonly first: RecordedEvent;
  readonly last: RecordedEvent;
}

/**
 * A remembered stream's events, only ever added to at the end, with the events of each command
 * by its id. Every stream handed out is a prefix of one of these: adding to the end changes no
 * prefix, so nothing is copied when a command appends.
 */
class StreamLog {
  readonly events: RecordedEvent[] = [];
  readonly commands = new Map<unknown, CommandEvents>();

  static of(events: readonly RecordedEvent[]): StreamLog {
    const log = new StreamLog();
    log.add(events);
    return log;
  }

  add(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      this.events.push(event);
      const commandId = event.metadata.commandId;
      if (commandId === undefined) continue;
      const known = this.commands.get(commandId);
      this.commands.set(commandId, { first: known?.first ?? event, last: event });
    }
  }
}

/**
 * The first `length` events of a log, and their state. `recorded` is copied out of the log when
 * it is first asked for; the command runner asks only for `last` and `commandEvents`.
 */
export class StreamView<State> implements Loaded<State> {
  readonly #log: StreamLog;
  readonly #length: number;
  #recorded: readonly RecordedEvent[] | undefined;
  declare readonly recorded: readonly RecordedEvent[];
  readonly state: State;
  readonly fresh: boolean;

  constructor(log: StreamLog, length: number, state: State, fresh: boolean) {
    this.#log = log;
    this.#length = length;
    this.state = state;
    this.fresh = fresh;
    // An own property, as on a plain loaded stream, computed when read.
    Object.defineProperty(this, 'recorded', { enumerable: true, get: () => (this.#recorded ??= this.#log.events.slice(0, this.#length)) });
  }

  /** The stream's last event, or undefined when it has none. */
  get last(): RecordedEvent | undefined {
    return this.#length === 0 ? undefined : this.#log.events[this.#length - 1];
  }

  /** The events `commandId` appended to this stream, if it did (within what this holds). */
  commandEvents(commandId: string): CommandEvents | undefined {
    const found = this.#log.commands.get(commandId);
    const last = this.last;
    if (!found || !last || found.first.revision > last.revision) return undefined;
    if (found.last.revision <= last.revision) return found;
    // The id came again past this prefix (it never should): the last of it within the prefix.
    const within = this.recorded.filter((event) => event.metadata.commandId === commandId);
    return { first: found.first, last: within[within.length - 1] };
  }

  /** @internal The log and length of this view, for the remembered streams. */
  static parts<State>(loaded: LoadedStream<State>): { log: StreamLog; length: number } {
    if (loaded instanceof StreamView) return { log: loaded.#log, length: loaded.#length };
    return { log: StreamLog.of(loaded.recorded), length: loaded.recorded.length };
  }
}

/** A remembered stream: its log, all of it, and the state that folds to. */
interface Remembered {
  readonly log: StreamLog;
  readonly state: unknown;
}

/** How many streams the command runner remembers; the least recently commanded are forgotten first. */
export const REMEMBERED_STREAMS = 1000;

/**
 * The streams commands are run on, remembered between commands with the state they fold to: a
 * stream's events are immutable once written, so a remembered stream is handed out without reading
 * it, with the events the last command appended (the store hands them back) folded on, and a stream
 * not remembered is handed out as empty (a new ticket's). `fresh` reads what came after the
 * remembered events, whoever wrote them (another process, another replica), or the whole stream.
 *
 * What is remembered may miss what another writer appended: the command runner relies on the
 * append's expected revision to find out, and reads fresh before any other answer. A stream that
 * no longer starts the way it is remembered (a file restored from a backup) fails the append the
 * same way; the runner then calls `forget` and the stream is read whole.
 *
 * The events and states handed out are shared between commands: nothing may change them (the
 * domain's evolve and decide never mutate a state).
 */
export class CommandStreams {
  private readonly remembered = new Map<string, Remembered>();
  /** Remembered streams known to have events past what is remembered of them. */
  private readonly behind = new Set<string>();

  /**
   * `personalData`: seals the personal fields of what commands append and opens those read, so
   * the domain folds and decides on clear values; without it, events are stored as decided.
   * `telemetry`: counts and traces the commands run on these streams.
   */
  constructor(
    readonly store: EventStore,
    private readonly capacity: number = REMEMBERED_STREAMS,
    readonly personalData?: PersonalDataCipher,
    readonly telemetry?: CommandTelemetry,
  ) {}

  async load<State>(stream: string, fold: Fold<State>, options: { fresh?: boolean } = {}): Promise<StreamView<State>> {
    const known = this.remembered.get(stream);
    if (!options.fresh && !this.behind.has(stream)) {
      if (!known) return new StreamView(new StreamLog(), 0, fold([]), false);
      this.touch(stream, known);
      return new StreamView(known.log, known.log.events.length, known.state as State, false);
    }
    this.behind.delete(stream);
    // What is remembered now: the log may grow while the read below is under way.
    const length = known?.log.events.length ?? 0;
    const last = known?.log.events[length - 1];
    const stored = await readStreamOrEmpty(this.store, stream, last ? { fromRevision: last.revision + 1 } : undefined);
    const read = this.personalData ? await this.personalData.reveal(stored) : stored;
    if (known && read.length === 0) {
      // Still remembered as it was read, unless something longer came meanwhile.
      const now = this.remembered.get(stream);
      if (known.log.events.length === length && (!now || now.log.events.length <= length)) this.touch(stream, known);
      return new StreamView(known.log, length, known.state as State, true);
    }
    const state = known ? fold(read, known.state as State) : fold(read);
    const log = known ? this.extend(known.log, length, read) : StreamLog.of(read);
    // Two commands on one stream may load it at once: the longer of their reads is kept.
    const now = this.remembered.get(stream);
    if (log.events.length > 0 && (!now || now.log.events.length <= length + read.length)) this.touch(stream, { log, state });
    return new StreamView(log, length + read.length, state, true);
  }

  /**
   * Remembers what a command appended after loading `loaded`, when the store handed the events
   * back as stored: the next command on the stream then has nothing to read. Otherwise (a store
   * that does not hand them back) the stream is marked `outdated`, so that the next command reads
   * what came after instead of deciding on the stream as it was before this append.
   */
  appended<State>(stream: string, loaded: LoadedStream<State>, recorded: readonly RecordedEvent[] | undefined, fold: Fold<State>): void {
    const { log, length } = StreamView.parts(loaded);
    const last = length === 0 ? undefined : log.events[length - 1];
    if (!recorded || recorded.length === 0 || recorded[0].revision !== (last ? last.revision + 1 : 0)) {
      // Known to exist now, and to end past what was loaded.
      if (!this.remembered.has(stream)) this.touch(stream, { log: this.extend(log, length, []), state: loaded.state });
      this.behind.add(stream);
      return;
    }
    const now = this.remembered.get(stream);
    // Another command on the stream may have loaded more of it meanwhile: that is kept.
    if (now && now.log.events.length > length) return;
    this.touch(stream, { log: this.extend(log, length, recorded), state: fold(recorded, loaded.state) });
  }

  /**
   * Says that events were appended to `stream` past what is remembered of it (by a writer in this
   * process that does not go through here): its next load reads them.
   */
  outdated(stream: string): void {
    if (this.remembered.has(stream)) this.behind.add(stream);
  }

  /** Drops what is remembered of `stream`: its next load reads it whole. */
  forget(stream: string): void {
    this.remembered.delete(stream);
    this.behind.delete(stream);
  }

  /** How many streams are remembered. */
  get size(): number {
    return this.remembered.size;
  }

  /**
   * The first `length` events of `log` followed by `events`: `log` itself, added to, when it ends
   * there (the usual case); a copy when something was added past `length` meanwhile.
   */
  private extend(log: StreamLog, length: number, events: readonly RecordedEvent[]): StreamLog {
    if (log.events.length !== length) return StreamLog.of([...log.events.slice(0, length), ...events]);
    log.add(events);
    return log;
  }

  private touch(stream: string, remembered: Remembered): void {
    // A Map iterates in insertion order: re-inserting makes the stream the most recent.
    this.remembered.delete(stream);
    this.remembered.set(stream, remembered);
    if (this.remembered.size > this.capacity) this.forget(this.remembered.keys().next().value!);
  }
}
