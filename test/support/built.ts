import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The path of a compiled file under dist/, which `npm test` builds first. */
export function built(relative: string): string {
  const path = resolve(process.cwd(), 'dist', relative);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
  return path;
}

/**
 * Waits a little for a file under dist/ while a `nest build` (which empties dist/ first) runs in
 * another shell on the same checkout; without a build at all, `built()` says what to run.
 */
export async function distPresent(relative = 'apps/api/src/main.js', timeoutMs = 60_000): Promise<void> {
  const path = resolve(process.cwd(), 'dist', relative);
  if (existsSync(path)) return;
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 250));
  // The build writes its files in a burst: give it a moment to finish the tree.
  await new Promise((done) => setTimeout(done, 1_000));
}
