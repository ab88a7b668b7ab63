import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOverrides } from './app.module';
import type { ServerOptions } from 'node:http';
import type { AppConfig, HttpLimits } from './config/app-config';
import { prepareDataDir, protectDataFiles } from './config/data-files';
import { EngineMetrics } from './telemetry/engine-metrics';
import { watchRequests } from './telemetry/http-telemetry';
import { serveDashboard } from './dashboard/dashboard-static';
import { checkBodyDepth, clientErrorHandler, frameworkErrors, SECURITY_HEADERS } from './http/edge-errors';

/** The request body limit of the service contract. */
export const BODY_LIMIT_BYTES = 64 * 1024;


const shuttingDown = new WeakSet<object>();

/** Marks the app as shutting down: answers from now on close their connections. */
export function beginShutdown(app: NestFastifyApplication): void {
  shuttingDown.add(app.getHttpAdapter().getInstance());
}

/**
 * The timeouts Fastify has no option for. Node checks the request and headers timeouts on a
 * timer of its own, every 30 s unless told; checked every quarter of the shorter one (at most
 * every second), a stalled request is cut soon after its timeout, not up to 30 s late.
 */
function nodeServerOptions(limits: HttpLimits): ServerOptions {
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Builds the application without listening; `main.ts` and the end-to-end tests both start here. */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
    requestTimeout: config.httpLimits.requestTimeoutMs,
    keepAliveTimeout: config.httpLimits.keepAliveTimeoutMs,
    connectionTimeout: config.httpLimits.connectionTimeoutMs,
    http: nodeServerOptions(config.httpLimits),
  });
  const fastify = adapter.getInstance();
  fastify.server.maxConnections = config.httpLimits.maxConnections;
  fastify.addHook('preValidation', async (request) => checkBodyDepth(request.body));
  // Once shutdown begins, every answer closes its connection, so clients that keep connections
  // open (pools) do not hold the process past its last answer.
  fastify.addHook('onSend', async (_request, reply) => {
    if (shuttingDown.has(fastify)) reply.header('connection', 'close');
  });
  // Commands are JSON: any other body type is a 415, not a string the validator has to make sense of.
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  const dataDirProblems = prepareDataDir(config);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, overrides), adapter, {
    // Nest's own console logger stays off: a failure to start is thrown to main(), which prints it
    // as one line, and once the app is built every log line goes through pino as JSON.
    logger: false,
    abortOnError: false,
    // Fastify's own JSON parser only: Nest's would add a form parser, and commands are JSON.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  watchRequests(fastify, app.get(EngineMetrics), config.tracing);
  // The stores have created their files by now.
  for (const problem of [...dataDirProblems, ...protectDataFiles(config)]) app.get(Logger).warn(problem);
  if (!(await serveDashboard(app))) app.get(Logger).warn('the dashboard is not built (npm run build builds it): /dashboard is not served');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Service-ticket engine')
      .setDescription('Commands, ticket state, audit and views of the after-sales service engine. Errors are RFC 9457 problem details.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key; each key holds one role' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return app;
}
