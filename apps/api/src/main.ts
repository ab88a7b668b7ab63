import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // One clear line, then stop: a bad setting must never start a half-configured server.
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
