import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { querySchedule, type ReadModelStore } from '@app/projections';
import { addDays, isCalendarDate, type ScheduleKind } from '@app/ticketing';
import { Roles } from '../auth/roles.decorator';
import { CLOCK, type Clock } from '../clock';
import { problem, ProblemError } from '../http/problem';
import { READ_MODELS } from '../projections/projections.module';
import { toCsv } from '../views/csv';
import { waitForView } from '../views/view-freshness';
import { ScheduleQueryDto } from './schedule.dto';

/** The longest period one question may cover: ten years of dates. */
const MAX_PERIOD_DAYS = 3660;

@ApiTags('views')
@ApiBearerAuth()
@Controller('v1/views')
export class ScheduleController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('schedule')
  @Roles('analyst', 'service')
  @ApiOperation({ summary: 'What falls due in a period (inspections, revisits, coverage ends), with status due, done or overdue and the ticket that answered it; CSV' })
  async schedule(@Query() query: ScheduleQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const now = this.clock.now();
    const day = (field: 'from' | 'to', value: string) => {
      if (isCalendarDate(value)) return value;
      throw new ProblemError(problem(400, 'VALIDATION_FAILED', `${field}: ${value} is not a day of the calendar`, { errors: [{ field, message: 'not a day of the calendar' }] }));
    };
    const from = day('from', query.from ?? now.slice(0, 10));
    const to = day('to', query.to ?? addDays(from, 31));
    if (to <= from || to > addDays(from, MAX_PERIOD_DAYS)) {
      throw new ProblemError(problem(400, 'VALIDATION_FAILED', `to must come after from, by ${MAX_PERIOD_DAYS} days at most`, { errors: [{ field: 'to', message: 'not after from, or too far' }] }));
    }
    await waitForView(this.readModels, 'schedule', query.minPosition);
    const tables = this.readModels.liveTables('schedule');
    if (!tables) throw new ProblemError(problem(503, 'VIEW_NOT_READY', 'the schedule view is being built; try again'), { 'retry-after': '1' });
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const filter = { from, to, customerId: query.customerId, kind: query.kind as ScheduleKind | undefined };
    // No asset belongs to a service unit yet: a unit's schedule is empty, never everyone's.
    const page = query.serviceUnitId === undefined ? querySchedule(this.readModels.db, tables, filter, { limit, offset }, now) : { total: 0, items: [] };
    if (query.format === 'csv') {
      const header = ['dueOn', 'assetId', 'customerId', 'kind', 'type', 'status', 'received', 'deadline', 'ticketId', 'at'] as const;
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="schedule.csv"');
      return toCsv(header, page.items.map((item) => header.map((column) => item[column])));
    }
    return { from, to, total: page.total, limit, offset, items: page.items };
  }
}
