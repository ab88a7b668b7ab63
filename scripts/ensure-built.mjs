// Builds the application when dist/ is missing or older than any source file, so that
// `npm start` works on a fresh clone and starts at once when nothing changed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const entry = 'dist/apps/api/src/main.js';
const sources = ['apps', 'libs', 'bench', 'test/fixtures', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
// `nest build` empties dist/, the dashboard included: both are built again together.
if (built === 0 || !existsSync('dist/dashboard/index.html') || sources.some((source) => newest(source) > built)) {
  process.stderr.write('building the application (nest build, then the dashboard)...\n');
  execFileSync(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build', 'api'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'apps/dashboard/vite.config.mts'], { stdio: 'inherit' });
}
