import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { problem, ProblemError } from '../http/problem';
import { TicketIdPipe } from '../tickets/ticket-id.pipe';
import { ticketStream } from '../tickets/ticket-stream';
import { HistoryQueryDto, StateQueryDto, VerifyQueryDto } from './audit.dto';
import { GetStreamHistory, GetTicketAsOf, VerifyChains } from './audit.queries';

const ticketId = new TicketIdPipe();

/** What auditors read: full histories, replays to any point, and the hash-chain check. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get('tickets/:id/history')
  @Roles('auditor')
  @ApiOperation({ summary: "Every event of the ticket with revision, position, type, data, metadata and hash; paged by fromRevision and limit" })
  async history(@Param('id', ticketId) id: string, @Query() query: HistoryQueryDto) {
    const page = await this.queries.execute(new GetStreamHistory(ticketStream(id), query.fromRevision ?? 0, query.limit ?? 100, query.sealed === 'true'));
    return { ticketId: id, ...page };
  }

  @Get('tickets/:id/state')
  @Roles('auditor')
  @ApiOperation({ summary: 'The ticket replayed to ?revision=N or ?asOf=<time>, with its clocks as they were then' })
  state(@Param('id', ticketId) id: string, @Query() query: StateQueryDto) {
    if ((query.revision === undefined) === (query.asOf === undefined)) {
      throw new ProblemError(
        problem(400, 'VALIDATION_FAILED', 'give exactly one of revision and asOf', {
          errors: [{ field: query.asOf === undefined ? 'revision' : 'asOf', message: 'give exactly one of revision and asOf' }],
        }),
      );
    }
    const point = query.revision !== undefined ? { revision: query.revision } : { asOf: new Date(query.asOf!).toISOString() };
    return this.queries.execute(new GetTicketAsOf(id, point));
  }

  @Get('audit/verify')
  @Roles('auditor')
  @ApiOperation({ summary: 'Check the hash chain of every stream, or of one: { ok, checkedStreams, checkedEvents, broken }' })
  verify(@Query() query: VerifyQueryDto) {
    return this.queries.execute(new VerifyChains(query.stream));
  }
}
