import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';

/** The request body limit of DESIGN section 9. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the application without listening; `main.ts` and the end-to-end tests both start here. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: false, return503OnClosing: true }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  return app;
}
