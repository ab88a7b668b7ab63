import { Controller, Get, Inject, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { EventStore, Position } from '@app/event-store';
import { formatPosition, parsePosition } from '@app/event-store';
import type { ProjectionRunner } from '@app/projections';
import { Public } from '../auth/roles.decorator';
import { EVENT_STORE } from '../event-store/event-store.module';
import { PROJECTION_RUNNER } from '../projections/projections.module';
import { EngineMetrics, type LogSnapshot } from '../telemetry/engine-metrics';

/** Positions behind the head: events for the SQLite store, log positions for EventStoreDB. */
function lag(head: Position | undefined, position: string | undefined): number {
  if (!head) return 0;
  const at = position ? parsePosition(position) : undefined;
  return Number(head.commit - (at?.commit ?? -1n));
}

/**
 * Readiness is public (load balancers ask without a key), so its answer names each check and a
 * fixed reason only: the error behind it (file paths, hosts, driver messages) goes to the log.
 */
const REASONS = {
  eventStore: 'the event store does not answer',
  projection: 'the projection stopped and is retrying',
};

@Public()
@Controller()
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  /** The event store's last failure as logged, so a probe every few seconds logs it once. */
  private loggedStoreFailure: string | undefined;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner,
    private readonly engineMetrics: EngineMetrics,
  ) {
    engineMetrics.observeLog(() => this.logSnapshot());
  }

  /** The process is up and serving HTTP. */
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The process can do its work: the event store answers and no projection has failed. */
  @Get('health/ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.checks();
    } catch (error) {
      // Not ready: 503 with the report that says which check failed, as the health library writes it.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(503);
      return error.getResponse();
    }
  }

  private checks() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('eventStore');
        try {
          await this.store.checkHealth();
          this.loggedStoreFailure = undefined;
          return indicator.up();
        } catch (error) {
          const detail = (error as Error).message;
          if (detail !== this.loggedStoreFailure) this.logger.warn(`readiness: ${REASONS.eventStore}: ${detail}`);
          this.loggedStoreFailure = detail;
          return indicator.down({ reason: REASONS.eventStore });
        }
      },
      async () => {
        const indicator = this.indicators.check('projections');
        const head = await this.store.headPosition().catch(() => undefined);
        // The runner logs each failure with its detail when it happens.
        const projections = this.runner.status().map(({ failure, ...p }) => ({
          ...p,
          ...(failure ? { failure: REASONS.projection } : {}),
          head: head ? formatPosition(head) : null,
          lag: lag(head, p.position),
        }));
        const failed = projections.filter((p) => p.failure);
        return failed.length ? indicator.down({ projections }) : indicator.up({ projections });
      },
    ]);
  }

  /** Prometheus text exposition: prom-client's process and Node series and the engine's (see docs/metrics.md). */
  @Get('metrics')
  @ApiExcludeEndpoint()
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, text } = await this.engineMetrics.exposition();
    reply.header('content-type', contentType);
    return text;
  }

  /** The log's head and each projection's position, lag and failure, as a scrape reads them. */
  private async logSnapshot(): Promise<LogSnapshot> {
    const head = await this.store.headPosition().catch(() => undefined);
    return {
      head: head ? Number(head.commit) : -1,
      projections: this.runner.status().map((p) => ({
        name: p.name,
        position: p.position ? Number(parsePosition(p.position)!.commit) : -1,
        lag: lag(head, p.position),
        failed: Boolean(p.failure),
      })),
    };
  }
}
