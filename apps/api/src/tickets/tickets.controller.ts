import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { TicketCommand } from '@app/ticketing';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { Roles } from '../auth/roles.decorator';
import { PolicyCatalog } from '../policies/policy-catalog';
import { commandContext, ticketIdForKey } from './command-context';
import {
  AcknowledgeResponseDto,
  AssignTicketDto,
  SignOffRepairOrderDto,
  CloseTicketDto,
  CompleteRevisitDto,
  DispatchEngineerDto,
  FileReportDto,
  PauseTicketDto,
  RateSatisfactionDto,
  RecordArrivalDto,
  ReopenTicketDto,
  ReportTicketDto,
  ReprioritizeTicketDto,
  RestoreServiceDto,
  ResumeTicketDto,
} from './dto/ticket-commands.dto';
import { ExecuteTicketCommand } from './execute-ticket-command.handler';
import { GetTicket, type TicketView } from './get-ticket.query';
import { TicketIdPipe } from './ticket-id.pipe';
import { traceOf } from '../telemetry/http-telemetry';
import type { ProblemError } from '../http/problem';
import { GetUnit, unknownUnit, type UnitView } from '../network/network.handlers';

const ticketId = new TicketIdPipe();

type Answer = { ticketId: string; revision: number; position: string };

/** What every command route says of retries (a 503 OUTCOME_UNKNOWN may have been written). */
const IDEMPOTENCY_KEY =
  'Retry-safe key; the same key with another body is a 422. Send one whenever a command may be retried: after a 503 ' +
  'OUTCOME_UNKNOWN (or an answer lost on the way) the command may have been applied, and a retry without the same key ' +
  'may apply it twice (POST /v1/tickets: a second ticket).';

@ApiTags('tickets')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: IDEMPOTENCY_KEY })
@ApiHeader({ name: 'X-Correlation-Id', required: false, description: 'Carried into every event the command causes' })
@Controller('v1/tickets')
export class TicketsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly policies: PolicyCatalog,
  ) {}

  @Post()
  @Roles('service')
  @ApiOperation({
    summary: 'Report a fault or a consultation',
    description: 'Without an Idempotency-Key or a ticketId, a retry of a report whose answer was lost (a 503 OUTCOME_UNKNOWN) may create a second ticket.',
  })
  async report(@Body() body: ReportTicketDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Answer> {
    const key = request.headers['idempotency-key'];
    const id = body.ticketId?.toLowerCase() ?? (typeof key === 'string' ? ticketIdForKey(key) : randomUUID());
    const unit = body.serviceUnitId === undefined ? undefined : await this.unitOrUnknown(body.serviceUnitId);
    const policy = this.policies.resolve(body.policyId ?? unit?.policyId ?? undefined);
    const { ticketId: _given, policyId: _policy, ...facts } = body;
    const answer = await this.run(id, { type: 'ReportTicket', data: { ...facts, ticketId: id, policyId: policy.id, policyVersion: policy.version } }, body, 'report', request, reply);
    reply.header('location', `/v1/tickets/${id}`);
    return answer;
  }

  @Get(':id')
  @Roles('service', 'auditor')
  @ApiOperation({ summary: 'The ticket as it stands; ETag is its revision' })
  async get(@Param('id', ticketId) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<TicketView> {
    const view = await this.queries.execute(new GetTicket(id));
    reply.header('etag', `"${view.revision}"`);
    return view;
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'The substantive response to the report' })
  acknowledge(@Param('id', ticketId) id: string, @Body() body: AcknowledgeResponseDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'AcknowledgeResponse', data: body }, body, 'acknowledge', request, reply);
  }

  @Post(':id/dispatch')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Send an engineer; senior after onsite is an escalation' })
  dispatch(@Param('id', ticketId) id: string, @Body() body: DispatchEngineerDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'DispatchEngineer', data: body } as TicketCommand, body, 'dispatch', request, reply);
  }

  @Post(':id/arrive')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'A dispatched engineer arrived on site' })
  arrive(@Param('id', ticketId) id: string, @Body() body: RecordArrivalDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'RecordArrival', data: body }, body, 'arrive', request, reply);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Stop the clocks while waiting for the customer or parts' })
  pause(@Param('id', ticketId) id: string, @Body() body: PauseTicketDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'PauseTicket', data: body }, body, 'pause', request, reply);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Restart the clocks' })
  resume(@Param('id', ticketId) id: string, @Body() body: ResumeTicketDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'ResumeTicket', data: body }, body, 'resume', request, reply);
  }

  @Post(':id/reprioritize')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Change the severity; running clocks keep what elapsed' })
  reprioritize(@Param('id', ticketId) id: string, @Body() body: ReprioritizeTicketDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'ReprioritizeTicket', data: body }, body, 'reprioritize', request, reply);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Normal operation is restored' })
  restore(@Param('id', ticketId) id: string, @Body() body: RestoreServiceDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'RestoreService', data: body }, body, 'restore', request, reply);
  }

  @Post(':id/report')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'File the incident report: fault type, cause, method, losses' })
  fileReport(@Param('id', ticketId) id: string, @Body() body: FileReportDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'FileReport', data: body }, body, 'file-report', request, reply);
  }

  @Post(':id/satisfaction')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Record a satisfaction rating, once per kind' })
  rate(@Param('id', ticketId) id: string, @Body() body: RateSatisfactionDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'RateSatisfaction', data: body }, body, 'satisfaction', request, reply);
  }

  @Post(':id/revisit')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Record a follow-up visit' })
  revisit(@Param('id', ticketId) id: string, @Body() body: CompleteRevisitDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'CompleteRevisit', data: body }, body, 'revisit', request, reply);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Close the ticket' })
  close(@Param('id', ticketId) id: string, @Body() body: CloseTicketDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'CloseTicket', data: body }, body, 'close', request, reply);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Hand the ticket to a service unit: a manufacturer\'s repair order to a dealer, a hand-over between units' })
  async assign(@Param('id', ticketId) id: string, @Body() body: AssignTicketDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.unitOrUnknown(body.serviceUnitId);
    return this.run(id, { type: 'AssignTicket', data: body }, body, 'assign', request, reply);
  }

  @Post(':id/sign-off')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Record the customer\'s signature on the repair order (after service is restored); a policy may require it to close' })
  signOff(@Param('id', ticketId) id: string, @Body() body: SignOffRepairOrderDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'SignOffRepairOrder', data: body }, body, 'sign-off', request, reply);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Reopen a restored or closed ticket' })
  reopen(@Param('id', ticketId) id: string, @Body() body: ReopenTicketDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'ReopenTicket', data: body }, body, 'reopen', request, reply);
  }

  /** The registered unit `unitId`, or the caller's 400 UNKNOWN_UNIT. */
  private async unitOrUnknown(unitId: string): Promise<UnitView> {
    try {
      return await this.queries.execute(new GetUnit(unitId));
    } catch (error) {
      if ((error as ProblemError).problem?.code === 'UNIT_NOT_FOUND') throw unknownUnit(unitId, 'serviceUnitId');
      throw error;
    }
  }

  private async run(
    id: string,
    command: TicketCommand,
    body: object,
    route: string,
    request: AuthenticatedRequest,
    reply: FastifyReply,
  ): Promise<Answer> {
    const context = commandContext(request.headers, request.principal!, route, { ticketId: id, ...body }, traceOf(request));
    const outcome = await this.commands.execute(new ExecuteTicketCommand(id, { ...command, data: { ...command.data } } as TicketCommand, context));
    reply.header('etag', `"${outcome.revision}"`);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return { ticketId: outcome.id, revision: outcome.revision, position: outcome.position };
  }
}
