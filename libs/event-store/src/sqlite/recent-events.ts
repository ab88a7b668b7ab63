/** A stored row by position, the first element: `[position, ...the rest]`. */
type Row = readonly [position: number, ...rest: unknown[]];

/**
 * The events one connection has just committed, in position order and without gaps, so that the
 * subscribers in its process take each commit from memory, each event parsed once for all of
 * them, instead of each reading and parsing it from the file again.
 *
 * It only ever holds a run of positions that is known to be the log as committed: a group that
 * does not follow on from the kept run (another connection committed in between) starts a new
 * run, and `clear` forgets everything when a commit's rows are not known exactly. A reader whose
 * next position is not kept reads the file.
 */
export class RecentEvents<R extends Row, E> {
  private rows: R[] = [];
  private parsed: (E | undefined)[] = [];
  /** The index in `rows` of the oldest row still kept; those before it wait to be spliced out. */
  private start = 0;

  /**
   * @param capacity how many of the latest events are kept
   * @param parse turns a row into the event handed out, once per row
   */
  constructor(
    private readonly capacity: number,
    private readonly parse: (row: R) => E,
  ) {}

  /** Adds a committed group, given in position order without gaps. */
  add(group: readonly R[]): void {
    if (group.length === 0) return;
    if (this.rows.length > this.start && group[0][0] !== this.rows[this.rows.length - 1][0] + 1) this.clear();
    for (const row of group) {
      this.rows.push(row);
      this.parsed.push(undefined);
    }
    if (this.rows.length - this.start > this.capacity) this.start = this.rows.length - this.capacity;
    // Splice the dropped rows out once they are as many as the kept ones: each row is moved a bounded number of times.
    if (this.start >= this.capacity) {
      this.rows.splice(0, this.start);
      this.parsed.splice(0, this.start);
      this.start = 0;
    }
  }

  clear(): void {
    this.rows = [];
    this.parsed = [];
    this.start = 0;
  }

  /**
   * At most `max` events after position `after`: [] when `after` is the last position kept (what
   * came later, if anything, was committed by another connection), undefined when the events after
   * `after` are not kept.
   */
  after(after: number, max: number): E[] | undefined {
    if (this.rows.length === this.start) return undefined;
    const index = this.start + (after + 1 - this.rows[this.start][0]);
    if (index < this.start || index > this.rows.length) return undefined;
    const end = Math.min(this.rows.length, index + max);
    const events: E[] = new Array(end - index);
    for (let i = index; i < end; i++) {
      let event = this.parsed[i];
      if (event === undefined) this.parsed[i] = event = this.parse(this.rows[i]);
      events[i - index] = event;
    }
    return events;
  }

  /** How many events are kept. */
  get size(): number {
    return this.rows.length - this.start;
  }
}
