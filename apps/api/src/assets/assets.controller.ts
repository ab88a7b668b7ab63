import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, type PipeTransform } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { withTemplate, type AssetCommand } from '@app/ticketing';
import { AssetTemplateCatalog } from './asset-template-catalog';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { Roles } from '../auth/roles.decorator';
import { GetStreamHistory } from '../audit/audit.queries';
import { HistoryQueryDto } from '../audit/audit.dto';
import { problem, ProblemError } from '../http/problem';
import { commandContext } from '../tickets/command-context';
import { assetIdForKey, assetStream } from './asset-stream';
import { AssessRepairDto, CompleteAssetRevisitDto, ExtendCoverageDto, PlanRevisitDto, RecordDepositDto, RecordInspectionDto, RegisterAssetDto } from './asset.dto';
import { ChargeCatalog } from './charge-catalog';
import { ExecuteAssetCommand, GetAsset, type AssetView } from './execute-asset-command.handler';
import { traceOf } from '../telemetry/http-telemetry';

const ASSET_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** An asset id from the path: letters, digits and ._:-, at most 100 characters. */
class AssetIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !ASSET_ID.test(value)) throw new ProblemError(problem(400, 'INVALID_ASSET_ID', 'an asset id holds letters, digits and ._:- only'));
    return value;
  }
}
const assetId = new AssetIdPipe();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Answer = { assetId: string; revision: number; position: string };

@ApiTags('assets')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retry-safe key; the same key with another body is a 422' })
@Controller('v1/assets')
export class AssetsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly charges: ChargeCatalog,
    private readonly templates: AssetTemplateCatalog,
  ) {}

  @Post()
  @Roles('service')
  @ApiOperation({ summary: 'Register an asset with its warranty coverages, entitlements, contract, contacts and subcontractors' })
  async register(@Body() body: RegisterAssetDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Answer> {
    const key = request.headers['idempotency-key'];
    const id = body.assetId ?? (typeof key === 'string' ? assetIdForKey(key) : randomUUID());
    const { template, ...given } = body;
    const filled = template === undefined ? given : withTemplate(given as Record<string, unknown>, this.templates.resolve(template));
    const missing = (['kind', 'coverages'] as const).filter((field) => filled[field] === undefined);
    if (missing.length > 0) {
      const errors = missing.map((field) => ({ field, message: `${field} is required (or a template that gives it)` }));
      throw new ProblemError(problem(400, 'VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }));
    }
    const answer = await this.run(id, { type: 'RegisterAsset', data: { ...filled, assetId: id } } as unknown as AssetCommand, body, 'register', request, reply);
    reply.header('location', `/v1/assets/${id}`);
    return answer;
  }

  @Get(':id')
  @Roles('service', 'auditor')
  @ApiOperation({ summary: 'The asset as it stands; ETag is its revision' })
  async get(@Param('id', assetId) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<AssetView> {
    const view = await this.queries.execute(new GetAsset(id));
    reply.header('etag', `"${view.revision}"`);
    return view;
  }

  @Get(':id/history')
  @Roles('auditor')
  @ApiOperation({ summary: "Every event of the asset with revision, position, type, data, metadata and hash; paged" })
  async history(@Param('id', assetId) id: string, @Query() query: HistoryQueryDto) {
    const page = await this.queries.execute(new GetStreamHistory(assetStream(id), query.fromRevision ?? 0, query.limit ?? 100, query.sealed === 'true'));
    return { assetId: id, ...page };
  }

  @Post(':id/coverages/extend')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Extend a coverage; needs an approver' })
  extend(@Param('id', assetId) id: string, @Body() body: ExtendCoverageDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'ExtendCoverage', data: body } as AssetCommand, body, 'extend-coverage', request, reply);
  }

  @Post(':id/deposits')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Record a warranty deposit recovery or payment' })
  deposit(@Param('id', assetId) id: string, @Body() body: RecordDepositDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'RecordDeposit', data: body } as AssetCommand, body, 'deposit', request, reply);
  }

  @Post(':id/inspections')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Record an inspection with its report' })
  inspection(@Param('id', assetId) id: string, @Body() body: RecordInspectionDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'RecordInspection', data: { ...body, ticketId: body.ticketId?.toLowerCase() } } as AssetCommand, body, 'inspection', request, reply);
  }

  @Post(':id/revisits/plan')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Plan a follow-up visit' })
  planRevisit(@Param('id', assetId) id: string, @Body() body: PlanRevisitDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'PlanRevisit', data: body } as AssetCommand, body, 'plan-revisit', request, reply);
  }

  @Post(':id/revisits')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Record a follow-up visit done' })
  revisit(@Param('id', assetId) id: string, @Body() body: CompleteAssetRevisitDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(id, { type: 'CompleteAssetRevisit', data: body } as AssetCommand, body, 'revisit', request, reply);
  }

  @Post(':id/repairs/:ticketId/assess')
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({ summary: 'Record the facts of a repair and the charge decision of a charge policy' })
  assess(
    @Param('id', assetId) id: string,
    @Param('ticketId') ticketId: string,
    @Body() body: AssessRepairDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!UUID.test(ticketId)) throw new ProblemError(problem(400, 'INVALID_TICKET_ID', 'a ticket id is a UUID'));
    const policy = this.charges.resolve(body.policyId);
    const command = { type: 'AssessRepair', data: { ticketId: ticketId.toLowerCase(), policy, facts: body.facts, ...(body.at ? { at: body.at } : {}) } };
    return this.run(id, command as AssetCommand, { ticketId, ...body }, 'assess', request, reply);
  }

  private async run(id: string, command: AssetCommand, body: object, route: string, request: AuthenticatedRequest, reply: FastifyReply): Promise<Answer> {
    const context = commandContext(request.headers, request.principal!, `asset:${route}`, { assetId: id, ...body }, traceOf(request));
    const outcome = await this.commands.execute(new ExecuteAssetCommand(id, { ...command, data: { ...command.data } } as AssetCommand, context));
    reply.header('etag', `"${outcome.revision}"`);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return { assetId: outcome.id, revision: outcome.revision, position: outcome.position };
  }
}
