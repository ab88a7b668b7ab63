import { readStreamOrEmpty, type EventStore, type RecordedEvent } from '@app/event-store';

/** A stream as a command finds it: its events so far, and the state they fold to. */
export interface LoadedStream<State> {
  readonly recorded: readonly RecordedEvent[];
  readonly state: State;
}

/** A loaded stream, and whether it was read from the store just now (else it is as remembered). */
export type Loaded<State> = LoadedStream<State> & { readonly fresh: boolean };

/** How the command runner folds a stream's events: from the start, or onto a state already folded. */
export type Fold<State> = (recorded: readonly RecordedEvent[], from?: State) => State;

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
  private readonly remembered = new Map<string, LoadedStream<unknown>>();
  /** Remembered streams known to have events past what is remembered of them. */
  private readonly behind = new Set<string>();

  constructor(
    readonly store: EventStore,
    private readonly capacity: number = REMEMBERED_STREAMS,
  ) {}

  async load<State>(stream: string, fold: Fold<State>, options: { fresh?: boolean } = {}): Promise<Loaded<State>> {
    const known = this.remembered.get(stream) as LoadedStream<State> | undefined;
    if (!options.fresh && !this.behind.has(stream)) {
      if (!known) return { recorded: [], state: fold([]), fresh: false };
      this.touch(stream, known);
      return { ...known, fresh: false };
    }
    this.behind.delete(stream);
    const last = known?.recorded.at(-1);
    const read = await readStreamOrEmpty(this.store, stream, last ? { fromRevision: last.revision + 1 } : undefined);
    if (known && read.length === 0) {
      this.touch(stream, known);
      return { ...known, fresh: true };
    }
    const loaded: LoadedStream<State> = known
      ? { recorded: [...known.recorded, ...read], state: fold(read, known.state) }
      : { recorded: read, state: fold(read) };
    // Two commands on one stream may load it at once: the longer of their reads is kept.
    const now = this.remembered.get(stream);
    if (loaded.recorded.length > 0 && (!now || now.recorded.length <= loaded.recorded.length)) this.touch(stream, loaded);
    return { ...loaded, fresh: true };
  }

  /**
   * Remembers what a command appended after loading `loaded`, when the store handed the events
   * back as stored: the next command on the stream then has nothing to read. Otherwise (a store
   * that does not hand them back) the stream is marked `outdated`, so that the next command reads
   * what came after instead of deciding on the stream as it was before this append.
   */
  appended<State>(stream: string, loaded: LoadedStream<State>, recorded: readonly RecordedEvent[] | undefined, fold: Fold<State>): void {
    const last = loaded.recorded.at(-1);
    if (!recorded || recorded.length === 0 || recorded[0].revision !== (last ? last.revision + 1 : 0)) {
      // Known to exist now, and to end past what was loaded.
      if (!this.remembered.has(stream)) this.touch(stream, { recorded: loaded.recorded, state: loaded.state });
      this.behind.add(stream);
      return;
    }
    const now = this.remembered.get(stream);
    // Another command on the stream may have loaded more of it meanwhile: that is kept.
    if (now && now.recorded.length > loaded.recorded.length) return;
    this.touch(stream, { recorded: [...loaded.recorded, ...recorded], state: fold(recorded, loaded.state) });
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

  private touch(stream: string, loaded: LoadedStream<unknown>): void {
    // A Map iterates in insertion order: re-inserting makes the stream the most recent.
    this.remembered.delete(stream);
    this.remembered.set(stream, loaded);
    if (this.remembered.size > this.capacity) this.forget(this.remembered.keys().next().value!);
  }
}
