import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { EventStore } from '@app/event-store';
import type { AppConfig } from './config/app-config';

/** What tests may swap in the composition root: a decorator around the event store (fault injection). */
export interface AppOverrides {
  readonly decorateEventStore?: (store: EventStore) => EventStore;
}
import { EventStoreModule } from './event-store/event-store.module';
import { HealthModule } from './health/health.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { AuthModule } from './auth/auth.module';
import { TicketsModule } from './tickets/tickets.module';
import { AssetsModule } from './assets/assets.module';
import { NetworkModule } from './network/network.module';
import { ProjectionsModule } from './projections/projections.module';
import { ViewsModule } from './views/views.module';
import { AuditModule } from './audit/audit.module';
import { DeadlinesModule } from './deadlines/deadlines.module';
import { ScheduleModule } from './schedule/schedule.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { PersonalDataModule } from './personal-data/personal-data.module';
import { AlarmStreamModule } from './alarm-stream/alarm-stream.module';
import { ProblemFilter } from './http/problem.filter';
import { strictValidationPipe } from './http/validation';
import { withoutSecrets } from './http/log-serializers';
import { withLogDestination } from './http/log-destination';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          // The library's default route pattern matches nothing under Nest 12 on Fastify; this one matches all.
          forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
          pinoHttp: withLogDestination(config.logFormat, {
            level: config.logLevel,
            // Keys travel in these headers; they never reach the log. (A serializer, not pino's
            // redact: it costs a copy of the headers instead of a redaction pass over every line.)
            serializers: { req: withoutSecrets },
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
          }),
        }),
        TelemetryModule.forRoot(config),
        EventStoreModule.forRoot(config, overrides.decorateEventStore),
        AuthModule.forRoot(config),
        HealthModule,
        ProjectionsModule.forRoot(config, overrides.decorateEventStore === undefined),
        TicketsModule.forRoot(),
        AssetsModule.forRoot(config),
        NetworkModule.forRoot(),
        ViewsModule.forRoot(config),
        AuditModule,
        DeadlinesModule,
        ScheduleModule,
        WebhooksModule.forRoot(config),
        PersonalDataModule,
        AlarmStreamModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: strictValidationPipe },
      ],
    };
  }
}
