import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Roles } from '../auth/roles.decorator';
import { CLOCK, type Clock } from '../clock';
import { problem, ProblemError } from '../http/problem';
import { WEBHOOK_STORE } from './webhook.tokens';
import { DeliveriesQueryDto, RegisterWebhookDto } from './webhook.dto';
import type { WebhookFilters, WebhookStore } from './webhook-store';
import { WebhookTargetRefused, WebhookTargets } from './webhook-target';

const webhookId = new ParseUUIDPipe({ exceptionFactory: () => new ProblemError(problem(400, 'INVALID_WEBHOOK_ID', 'a webhook id is a UUID')) });

/** Webhooks are for admins only (no @Roles: the guard lets admin through alone). */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    @Inject(WEBHOOK_STORE) private readonly webhooks: WebhookStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WebhookTargets) private readonly targets: WebhookTargets,
  ) {}

  @Post()
  @Roles()
  @ApiOperation({ summary: 'Register a URL for the event types it wants; deliveries are signed with the secret' })
  async register(@Body() body: RegisterWebhookDto) {
    try {
      await this.targets.check(body.url);
    } catch (error) {
      if (!(error instanceof WebhookTargetRefused)) throw error;
      throw new ProblemError(problem(400, error.code, error.message, { errors: [{ field: 'url', message: error.message }] }));
    }
    return this.webhooks.register({ id: randomUUID(), url: body.url, eventTypes: [...new Set(body.eventTypes)], secret: body.secret, ...filtersOf(body) }, this.clock.now());
  }

  @Get()
  @Roles()
  @ApiOperation({ summary: 'The registered webhooks (secrets are never shown)' })
  list() {
    return { items: this.webhooks.list() };
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Roles()
  @ApiOperation({ summary: 'Stop sending; deliveries keep queueing (up to a cap) and go out on resume, in order' })
  pause(@Param('id', webhookId) id: string) {
    return this.setStatus(id, 'paused');
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Roles()
  @ApiOperation({ summary: 'Send again' })
  resume(@Param('id', webhookId) id: string) {
    return this.setStatus(id, 'active');
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles()
  @ApiOperation({ summary: 'Remove the webhook; its delivery log stays' })
  remove(@Param('id', webhookId) id: string): void {
    this.setStatus(id, 'deleted');
  }

  @Get(':id/deliveries')
  @Roles()
  @ApiOperation({ summary: 'Deliveries with every attempt and its outcome' })
  deliveries(@Param('id', webhookId) id: string, @Query() query: DeliveriesQueryDto) {
    if (!this.webhooks.get(id)) throw new ProblemError(problem(404, 'WEBHOOK_NOT_FOUND', `no webhook ${id}`));
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    return { webhookId: id, limit, offset, ...this.webhooks.deliveries(id, { status: query.status, limit, offset }) };
  }

  private setStatus(id: string, status: 'active' | 'paused' | 'deleted') {
    if (!this.webhooks.setStatus(id, status, this.clock.now())) throw new ProblemError(problem(404, 'WEBHOOK_NOT_FOUND', `no webhook ${id}`));
    return this.webhooks.get(id) ?? null;
  }
}

/** The filters as stored: only those given; none when the request gives none. */
function filtersOf(body: RegisterWebhookDto): { filters?: WebhookFilters } {
  const { severity, serviceUnitId } = body.filters ?? {};
  const filters = { ...(severity === undefined ? {} : { severity }), ...(serviceUnitId === undefined ? {} : { serviceUnitId }) };
  return Object.keys(filters).length === 0 ? {} : { filters };
}
