import { comparePositions, parsePosition, type Position } from '@app/event-store';
import type { ReadModelStore } from '@app/projections';
import { problem, ProblemError } from '../http/problem';

const WAIT_MS = 5000;
const POLL_MS = 10;
/** Requests that may wait for a view at once in this process; one more is refused at once. */
export const MAX_VIEW_WAITERS = 1000;

interface Waiter {
  readonly projection: string;
  readonly position: Position;
  readonly minPosition: string;
  readonly deadline: number;
  resolve(): void;
  reject(error: unknown): void;
}

function notCaughtUp(detail: string): ProblemError {
  return new ProblemError(problem(503, 'VIEW_NOT_CAUGHT_UP', detail), { 'retry-after': '1' });
}

/**
 * The requests waiting for the views of one read-model file. One timer looks at the checkpoints
 * every 10 ms while any request waits, reading each projection's checkpoint once for all of them;
 * it reads the file, so it works whether the runner is in this thread, a worker or another process.
 */
class ViewWaiters {
  private readonly waiting = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly readModels: ReadModelStore) {}

  wait(projection: string, position: Position, minPosition: string): Promise<void> {
    if (this.waiting.size >= MAX_VIEW_WAITERS) {
      throw notCaughtUp(`${MAX_VIEW_WAITERS} requests are already waiting for views to catch up; try again`);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.add({ projection, position, minPosition, deadline: Date.now() + WAIT_MS, resolve, reject });
      this.timer ??= setInterval(() => this.look(), POLL_MS).unref();
    });
  }

  private look(): void {
    const now = Date.now();
    const reached = new Map<string, Position | undefined>();
    try {
      for (const waiter of this.waiting) {
        if (!reached.has(waiter.projection)) reached.set(waiter.projection, this.readModels.live(waiter.projection)?.position);
        const live = reached.get(waiter.projection);
        if (live !== undefined && comparePositions(live, waiter.position) >= 0) {
          this.waiting.delete(waiter);
          waiter.resolve();
        } else if (now >= waiter.deadline) {
          this.waiting.delete(waiter);
          waiter.reject(notCaughtUp(`the ${waiter.projection} view has not reached position ${waiter.minPosition} yet; try again`));
        }
      }
    } catch (error) {
      // The file could not be read (it is closing): every request waiting on it fails with that.
      for (const waiter of this.waiting) waiter.reject(error);
      this.waiting.clear();
    }
    if (this.waiting.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

const waitersByFile = new WeakMap<ReadModelStore, ViewWaiters>();

/**
 * Read-your-writes: waits until the view has applied `minPosition` (a command's `position`), for
 * up to 5 s, then answers 503 VIEW_NOT_CAUGHT_UP with Retry-After. At most MAX_VIEW_WAITERS
 * requests wait at once; past that a request is answered the same 503 at once.
 */
export async function waitForView(readModels: ReadModelStore, projection: string, minPosition: string | undefined): Promise<void> {
  if (minPosition === undefined) return;
  const position = parsePosition(minPosition);
  if (!position) throw new ProblemError(problem(400, 'VALIDATION_FAILED', 'minPosition is not a position', { errors: [{ field: 'minPosition', message: 'is not a position' }] }));
  const live = readModels.live(projection)?.position;
  if (live !== undefined && comparePositions(live, position) >= 0) return;
  let waiters = waitersByFile.get(readModels);
  if (!waiters) waitersByFile.set(readModels, (waiters = new ViewWaiters(readModels)));
  await waiters.wait(projection, position, minPosition);
}

/** `2026-11-01` or any ISO date-time, as the canonical UTC instant the read models store. */
export function instant(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new ProblemError(problem(400, 'VALIDATION_FAILED', `${text} is not a time`));
  return new Date(ms).toISOString();
}
