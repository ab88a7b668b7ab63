import { startAppProcess, freePort, waitFor, type AppProcess } from './app-process';
import { distPresent } from './built';
import { TEST_API_KEYS } from './http-client';

/**
 * The built app as a child process on one DATA_DIR, stopped and started again at will (to edit
 * its files in between), without the deadline follower so back-dated tickets gain no events.
 */
export class RestartableApp {
  private running: AppProcess | undefined;

  constructor(private readonly dataDir: string) {}

  get baseUrl(): string {
    if (!this.running) throw new Error('the app is not running');
    return this.running.baseUrl;
  }

  /** Starts the app and waits until it is ready; starts again if a concurrent build emptied dist/. */
  async launch(attempts = 3): Promise<void> {
    await distPresent();
    const child = startAppProcess(
      { DATA_DIR: this.dataDir, API_KEYS: TEST_API_KEYS, LOG_LEVEL: 'warn', RUN_DEADLINE_FOLLOWER: 'false', RUN_SCHEDULE_FOLLOWER: 'false', SLA_POLICIES_FILE: 'config/sla-policies.json' },
      await freePort(),
    );
    const failed = child.exited.then((exit) => {
      throw new Error(`the app exited during start-up (${JSON.stringify(exit)})\n${child.output()}`);
    });
    failed.catch(() => undefined);
    try {
      await Promise.race([waitFor(`${child.baseUrl}/health/ready`), failed]);
    } catch (error) {
      child.child.kill('SIGKILL');
      if (attempts <= 1) throw error;
      await new Promise((done) => setTimeout(done, 2_000));
      return this.launch(attempts - 1);
    }
    this.running = child;
  }

  /** Stops the app with SIGTERM (a clean shutdown that closes the store) and waits for it to exit. */
  async halt(): Promise<void> {
    const child = this.running;
    this.running = undefined;
    if (!child || child.child.exitCode !== null || child.child.signalCode !== null) return;
    child.child.kill('SIGTERM');
    const exit = await Promise.race([child.exited, new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 10_000).unref())]);
    if (exit === 'timeout') {
      child.child.kill('SIGKILL');
      await child.exited;
    }
  }
}
