import { Logger } from 'nestjs-pino';
import { AssetTemplateCatalog } from './assets/asset-template-catalog';
import { ChargeCatalog } from './assets/charge-catalog';
import { loadConfig, type AppConfig } from './config/app-config';
import { PolicyCatalog } from './policies/policy-catalog';
import { CustomerSegmentsConfig } from './views/customer-segments';
import { beginShutdown, createApp } from './bootstrap';
import { startTracing } from './telemetry/tracing';

async function main(): Promise<void> {
  // Whatever the server writes later (a database's new -wal file, a key file) is its user's alone.
  process.umask(0o077);
  let config: AppConfig;
  try {
    config = loadConfig();
    // The data files are configuration too: a mistake in them stops start-up with one line.
    PolicyCatalog.fromFile(config.slaPoliciesFile);
    ChargeCatalog.fromFile(config.chargePoliciesFile);
    CustomerSegmentsConfig.fromFile(config.customerSegmentsFile);
    AssetTemplateCatalog.fromFile(config.assetTemplatesFile);
  } catch (error) {
    // One clear line, then stop: a bad setting must never start a half-configured server.
    process.stderr.write(`configuration error: ${(error as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
  // Spans are exported only when the OTEL_* variables ask for it; off, nothing of the SDK loads.
  const stopTracing = config.tracing ? await startTracing() : async () => {};
  const app = await createApp(config);
  const logger = app.get(Logger);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: finishing requests in flight, then closing the store`);
    beginShutdown(app);
    // Once the server closes, Node no longer times out a request that stalls, and close() waits
    // for its connection: after the grace, the connections still open are closed so the store
    // closes cleanly and the process exits within the orchestrator's kill timeout.
    setTimeout(() => {
      logger.warn(`connections still open ${config.shutdownGraceMs} ms after ${signal}: closing them`);
      app.getHttpServer().closeAllConnections();
    }, config.shutdownGraceMs).unref();
    // app.close() stops accepting, lets requests in flight finish, then runs the shutdown hooks.
    app
      .close()
      // The spans of the last requests are exported before the process goes.
      .then(() => stopTracing().catch((error: unknown) => logger.warn(`trace export at shutdown failed: ${(error as Error).message}`)))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await app.listen({ port: config.port, host: config.host });
  logger.log(`listening on http://${config.host}:${config.port}, events in ${describeStore(config)}`);
}

function describeStore(config: AppConfig): string {
  return config.eventStore.kind === 'sqlite' ? `SQLite ${config.eventStore.path}` : 'EventStoreDB';
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${((error as Error)?.message ?? String(error)).split('\n')[0]}\n`);
  process.exit(1);
});
