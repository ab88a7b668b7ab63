import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { EngineCommandTelemetry } from './engine-command-telemetry';
import { EngineMetrics } from './engine-metrics';

/** The process's Prometheus series and what watches commands, for every module to count and trace into. */
@Global()
@Module({})
export class TelemetryModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: TelemetryModule,
      providers: [
        { provide: EngineMetrics, useFactory: () => new EngineMetrics() },
        { provide: EngineCommandTelemetry, inject: [EngineMetrics], useFactory: (metrics: EngineMetrics) => new EngineCommandTelemetry(metrics, config.tracing) },
      ],
      exports: [EngineMetrics, EngineCommandTelemetry],
    };
  }
}
