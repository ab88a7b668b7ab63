import { parsePosition } from '@app/event-store';
import { hasReached, type ReadModelStore } from '@app/projections';
import { problem, ProblemError } from '../http/problem';

const WAIT_MS = 5000;
const POLL_MS = 10;

/**
 * Read-your-writes: waits until the view has applied `minPosition` (a command's `position`).
 * Polls the checkpoint, so it works whether the runner is in this process or another one.
 */
export async function waitForView(readModels: ReadModelStore, projection: string, minPosition: string | undefined): Promise<void> {
  if (minPosition === undefined) return;
  const position = parsePosition(minPosition);
  if (!position) throw new ProblemError(problem(400, 'VALIDATION_FAILED', 'minPosition is not a position', { errors: [{ field: 'minPosition', message: 'is not a position' }] }));
  const deadline = Date.now() + WAIT_MS;
  while (!hasReached(readModels, projection, position)) {
    if (Date.now() >= deadline) {
      throw new ProblemError(
        problem(503, 'VIEW_NOT_CAUGHT_UP', `the ${projection} view has not reached position ${minPosition} yet; try again`),
        { 'retry-after': '1' },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** `2026-11-01` or any ISO date-time, as the canonical UTC instant the read models store. */
export function instant(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new ProblemError(problem(400, 'VALIDATION_FAILED', `${text} is not a time`));
  return new Date(ms).toISOString();
}
