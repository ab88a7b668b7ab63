import { spawn } from 'node:child_process';
import { built, distPresent } from './built';

export interface CliRun {
  /** The exit code; null when the run was stopped after its time limit. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs the built CLI (`dist/apps/cli/src/main.js`) on `dataDir`; stops it with SIGKILL after `timeoutMs`. */
export async function runCli(args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  await distPresent('apps/cli/src/main.js');
  const started = performance.now();
  const child = spawn(process.execPath, [built('apps/cli/src/main.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done) => child.on('close', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  return { code, stdout, stderr, seconds: (performance.now() - started) / 1000 };
}

/** The last line of the output, parsed as JSON (the `--json` answers). */
export function lastJson(text: string): any {
  return JSON.parse(text.trim().split('\n').pop() ?? 'null');
}
