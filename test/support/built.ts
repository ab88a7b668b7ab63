import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The path of a compiled file under dist/, which `npm test` builds first. */
export function built(relative: string): string {
  const path = resolve(process.cwd(), 'dist', relative);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
  return path;
}
