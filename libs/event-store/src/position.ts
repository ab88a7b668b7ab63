/**
 * A global position in the log. EventStoreDB positions have two parts (commit and prepare) and
 * both must survive a round trip; the SQLite store has one sequence and uses it for both.
 * Positions compare by commit, then prepare.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** The position before the first event: resuming from it yields the whole log. */
export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

export function positionOf(sequence: number | bigint): Position {
  const value = BigInt(sequence);
  return { commit: value, prepare: value };
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * The text form handed to clients and stored in checkpoints: `"42"` when both parts are equal,
 * `"42/40"` (commit/prepare) otherwise. Text keeps every digit of a 64-bit position.
 */
export function formatPosition(position: Position): string {
  return position.commit === position.prepare
    ? position.commit.toString()
    : `${position.commit}/${position.prepare}`;
}

const POSITION_TEXT = /^(-1|0|[1-9]\d{0,19})(?:\/(-1|0|[1-9]\d{0,19}))?$/;

/** Parses the text form; returns undefined for anything else. */
export function parsePosition(text: string): Position | undefined {
  const match = POSITION_TEXT.exec(text.trim());
  if (!match) return undefined;
  const commit = BigInt(match[1]);
  const prepare = match[2] === undefined ? commit : BigInt(match[2]);
  return { commit, prepare };
}
