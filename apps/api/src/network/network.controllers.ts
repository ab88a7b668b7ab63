import { Body, Controller, Get, HttpCode, Param, Post, Req, Res, type PipeTransform } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { EngineerCommand, UnitCommand, UnitTerms } from '@app/ticketing';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { Roles } from '../auth/roles.decorator';
import { problem, ProblemError } from '../http/problem';
import { PolicyCatalog } from '../policies/policy-catalog';
import { commandContext } from '../tickets/command-context';
import { ChangeUnitTermsDto, EngineerLeavesDto, EngineerRecordDto, InspectUnitDto, MoveEngineerDto, RegisterEngineerDto, RegisterUnitDto } from './network.dto';
import { ExecuteEngineerCommand, ExecuteUnitCommand, GetEngineer, GetUnit, ListUnits, type EngineerView, type UnitView } from './network.handlers';
import { networkIdForKey } from './network-streams';

const NETWORK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** A unit or engineer id from the path: letters, digits and ._:-, at most 100 characters. */
class NetworkIdPipe implements PipeTransform<string, string> {
  constructor(private readonly code: string) {}
  transform(value: string): string {
    if (typeof value !== 'string' || !NETWORK_ID.test(value)) throw new ProblemError(problem(400, this.code, 'an id holds letters, digits and ._:- only'));
    return value;
  }
}
const unitId = new NetworkIdPipe('INVALID_UNIT_ID');
const engineerId = new NetworkIdPipe('INVALID_ENGINEER_ID');

const IDEMPOTENCY_KEY = 'Retry-safe key; the same key with another body is a 422';

type Reply = FastifyReply;

async function run<Answer>(
  commands: CommandBus,
  make: (context: ReturnType<typeof commandContext>) => ExecuteUnitCommand | ExecuteEngineerCommand,
  route: string,
  body: object,
  request: AuthenticatedRequest,
  reply: Reply,
  answer: (id: string, revision: number, position: string) => Answer,
): Promise<Answer> {
  const context = commandContext(request.headers, request.principal!, route, body);
  const outcome = await commands.execute(make(context));
  reply.header('etag', `"${outcome.revision}"`);
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return answer(outcome.id, outcome.revision, outcome.position);
}

@ApiTags('service network')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: IDEMPOTENCY_KEY })
@Controller('v1/units')
export class UnitsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly policies: PolicyCatalog,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Register a service unit (manufacturer, dealer, branch, repair group) with its parent, zone, policy and terms' })
  async register(@Body() body: RegisterUnitDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    const key = request.headers['idempotency-key'];
    const id = body.unitId ?? (typeof key === 'string' ? networkIdForKey('unit', key) : randomUUID());
    if (body.policyId !== undefined) this.policies.resolve(body.policyId);
    const command = { type: 'RegisterUnit', data: { ...body, unitId: id, ...(body.terms ? { terms: body.terms as UnitTerms } : {}) } } as UnitCommand;
    const answer = await this.run(id, command, { ...body, unitId: id }, 'register', request, reply);
    reply.header('location', `/v1/units/${id}`);
    return answer;
  }

  @Get()
  @Roles('service', 'auditor', 'analyst')
  @ApiOperation({ summary: 'Every service unit with its parent, terms, inspections and staff' })
  list() {
    return this.queries.execute(new ListUnits());
  }

  @Get(':id')
  @Roles('service', 'auditor', 'analyst')
  @ApiOperation({ summary: 'The unit as it stands: terms, inspections, staff and staff changes; ETag is its revision' })
  async get(@Param('id', unitId) id: string, @Res({ passthrough: true }) reply: Reply): Promise<UnitView> {
    const view = await this.queries.execute(new GetUnit(id));
    reply.header('etag', `"${view.revision}"`);
    return view;
  }

  @Post(':id/terms')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Replace the unit\'s terms (revisit target, feedback day, arrival targets)' })
  terms(@Param('id', unitId) id: string, @Body() body: ChangeUnitTermsDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.run(id, { type: 'ChangeUnitTerms', data: body as unknown as { terms: UnitTerms } }, body, 'terms', request, reply);
  }

  @Post(':id/inspections')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Record an inspection of the unit by its parent: findings and a score' })
  inspect(@Param('id', unitId) id: string, @Body() body: InspectUnitDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.run(id, { type: 'InspectUnit', data: body }, body, 'inspection', request, reply);
  }

  private run(id: string, command: UnitCommand, body: object, route: string, request: AuthenticatedRequest, reply: Reply) {
    return run(
      this.commands,
      (context) => new ExecuteUnitCommand(id, { ...command, data: { ...command.data } } as UnitCommand, context),
      `unit:${route}`,
      { unitId: id, ...body },
      request,
      reply,
      (found, revision, position) => ({ unitId: found, revision, position }),
    );
  }
}

@ApiTags('service network')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: IDEMPOTENCY_KEY })
@Controller('v1/engineers')
export class EngineersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Register an engineer into a unit with a tier and skills; the unit records the staff member joining' })
  async register(@Body() body: RegisterEngineerDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    const key = request.headers['idempotency-key'];
    const id = body.engineerId ?? (typeof key === 'string' ? networkIdForKey('engineer', key) : randomUUID());
    const answer = await this.run(id, { type: 'RegisterEngineer', data: { ...body, engineerId: id } }, { ...body, engineerId: id }, 'register', request, reply);
    reply.header('location', `/v1/engineers/${id}`);
    return answer;
  }

  @Get(':id')
  @Roles('service', 'analyst')
  @ApiOperation({ summary: 'The engineer as it stands: unit, tier, moves, trainings, assessments; ETag is its revision' })
  async get(@Param('id', engineerId) id: string, @Res({ passthrough: true }) reply: Reply): Promise<EngineerView> {
    const view = await this.queries.execute(new GetEngineer(id));
    reply.header('etag', `"${view.revision}"`);
    return view;
  }

  @Post(':id/move')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Move the engineer to another unit; both units record the staff change' })
  move(@Param('id', engineerId) id: string, @Body() body: MoveEngineerDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.run(id, { type: 'MoveEngineer', data: body }, body, 'move', request, reply);
  }

  @Post(':id/trainings')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Record a training: course, scheduled or unscheduled, result, score' })
  training(@Param('id', engineerId) id: string, @Body() body: EngineerRecordDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.run(id, { type: 'RecordTraining', data: body }, body, 'training', request, reply);
  }

  @Post(':id/assessments')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Record an assessment: course, scheduled or unscheduled, result, score' })
  assessment(@Param('id', engineerId) id: string, @Body() body: EngineerRecordDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.run(id, { type: 'RecordAssessment', data: body }, body, 'assessment', request, reply);
  }

  @Post(':id/leave')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'The engineer leaves the service; the unit records the staff member leaving' })
  leave(@Param('id', engineerId) id: string, @Body() body: EngineerLeavesDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: Reply) {
    return this.run(id, { type: 'LeaveService', data: body }, body, 'leave', request, reply);
  }

  private run(id: string, command: EngineerCommand, body: object, route: string, request: AuthenticatedRequest, reply: Reply) {
    return run(
      this.commands,
      (context) => new ExecuteEngineerCommand(id, { ...command, data: { ...command.data } } as EngineerCommand, context),
      `engineer:${route}`,
      { engineerId: id, ...body },
      request,
      reply,
      (found, revision, position) => ({ engineerId: found, revision, position }),
    );
  }
}
