import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  listUnitIds,
  listWarrantyArchives,
  needsNetwork,
  networkTables,
  queryClockRows,
  queryCompliance,
  querySatisfaction,
  queryWarrantyArchive,
  rollUpByUnit,
  type ReadModelStore,
  type ViewFilter,
} from '@app/projections';
import { Roles } from '../auth/roles.decorator';
import { CLOCK, type Clock } from '../clock';
import { problem, ProblemError } from '../http/problem';
import { PersonalDataCipher } from '../personal-data/personal-data-cipher';
import { PolicyCatalog } from '../policies/policy-catalog';
import { READ_MODELS } from '../projections/projections.module';
import { toCsv } from './csv';
import { instant, waitForView } from './view-freshness';
import { ComplianceQueryDto, ComplianceTicketsQueryDto, ViewQueryDto, WarrantyArchiveListQueryDto, WarrantyArchiveQueryDto } from './view-query.dto';

/** The analyst views of the service contract. Times in answers are UTC; periods group by UTC days. */
@ApiTags('views')
@ApiBearerAuth()
@Controller('v1/views')
export class ViewsController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly policies: PolicyCatalog,
    private readonly personalData: PersonalDataCipher,
  ) {}

  @Get('sla-compliance')
  @Roles('analyst')
  @ApiOperation({ summary: 'Met, breached and running clocks per metric, grouped; open clocks past due count as breached' })
  async compliance(@Query() query: ComplianceQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await waitForView(this.readModels, 'sla-compliance', query.minPosition);
    const filter = { ...(await this.filter(query)), metric: query.metric };
    const tables = this.tables('sla-compliance');
    const now = this.clock.now();
    const groups = this.byUnit(filter, (f) => queryCompliance(this.readModels.db, tables, { ...f, metric: query.metric }, now), (g) => Object.keys(g.metrics).length === 0);
    if (query.format === 'csv') {
      const rows = groups.flatMap((g) =>
        Object.entries(g.metrics).map(([metric, m]) =>
          'compliance' in m
            ? [g.key, metric, m.total, m.met, m.breached, m.running, m.compliance, m.target, '', '']
            : [g.key, metric, m.total, '', '', '', '', m.target, m.average, m.met],
        ),
      );
      return this.csv(reply, 'sla-compliance', ['key', 'metric', 'total', 'met', 'breached', 'running', 'compliance', 'target', 'average', 'averageMet'], rows);
    }
    return { from: filter.from ?? null, to: filter.to ?? null, groupBy: query.groupBy ?? null, groups };
  }

  @Get('sla-compliance/tickets')
  @Roles('analyst')
  @ApiOperation({ summary: 'Per-ticket clock rows, filtered by metric and outcome, paged by limit and offset' })
  async complianceTickets(@Query() query: ComplianceTicketsQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await waitForView(this.readModels, 'sla-compliance', query.minPosition);
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const filter = { ...(await this.filter(query)), groupBy: undefined, metric: query.metric, outcome: query.outcome };
    const page = queryClockRows(this.readModels.db, this.tables('sla-compliance'), filter, { limit, offset }, this.clock.now(), this.policies.catalog);
    const items = page.items;
    if (query.format === 'csv') {
      const header = ['ticketId', 'metric', 'outcome', 'paused', 'reportedAt', 'policyId', 'policyVersion', 'severity', 'customerId', 'engineerId', 'target', 'startedAt', 'dueAt', 'stoppedAt', 'elapsedMs', 'pausedMs'] as const;
      return this.csv(reply, 'sla-compliance-tickets', header, items.map((item) => header.map((column) => item[column])));
    }
    return { total: page.total, limit, offset, items };
  }

  @Get('satisfaction')
  @Roles('analyst')
  @ApiOperation({ summary: 'Satisfaction rates per kind against the targets, and the revisit rate per month' })
  async satisfaction(@Query() query: ViewQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await waitForView(this.readModels, 'satisfaction', query.minPosition);
    const policy = query.policyId ? this.policies.resolve(query.policyId) : this.policies.defaultPolicy;
    const filter = await this.filter(query);
    const tables = this.tables('satisfaction');
    const rolled = filter.rollUp && filter.groupBy === 'serviceUnit';
    // Rolled up, the revisit rate by month is that of every ticket the filters keep; the groups are the units'.
    const whole = querySatisfaction(this.readModels.db, tables, rolled ? { ...filter, groupBy: undefined } : filter, policy.satisfactionTargets);
    const groups = rolled
      ? this.byUnit(filter, (f) => querySatisfaction(this.readModels.db, tables, f, policy.satisfactionTargets).groups, (g) =>
          g.revisits.restored === 0 && Object.values(g.kinds).every((k) => k.rated === 0),
        )
      : whole.groups;
    const view = { ...whole, groupBy: filter.groupBy ?? null, groups };
    if (query.format === 'csv') {
      const rows = view.groups.flatMap((g) =>
        Object.entries(g.kinds).map(([kind, k]) => [g.key, kind, k.rated, k.satisfied, k.rate, k.target, k.met]),
      );
      return this.csv(reply, 'satisfaction', ['key', 'kind', 'rated', 'satisfied', 'rate', 'target', 'met'], rows);
    }
    return view;
  }

  @Get('warranty-archive')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'Archive summaries of the assets: filter by customer, coverage ending before a date, inspection overdue; CSV' })
  async warrantyArchives(@Query() query: WarrantyArchiveListQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await waitForView(this.readModels, 'warranty-archive', query.minPosition);
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const filter = {
      customerId: query.customerId,
      coverageEndsBefore: query.coverageEndsBefore,
      inspectionOverdue: query.inspectionOverdue === undefined ? undefined : query.inspectionOverdue === 'true',
    };
    const page = listWarrantyArchives(this.readModels.db, this.tables('warranty-archive'), filter, { limit, offset }, this.clock.now());
    if (query.format === 'csv') {
      const header = ['assetId', 'customerId', 'name', 'kind', 'earliestCoverageEnd', 'latestCoverageEnd', 'activeCoverages', 'inspectionOverdue', 'nextInspectionDue'] as const;
      return this.csv(reply, 'warranty-archive', header, page.items.map((item) => header.map((column) => item[column])));
    }
    return { total: page.total, limit, offset, items: page.items };
  }

  @Get('warranty-archive/:assetId')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: "One asset's warranty archive: coverages with start, end and active, repairs in and out of warranty with charges, entitlements, inspections, revisits, deposits, contract, contacts, subcontractors, service records" })
  async warrantyArchive(@Param('assetId') assetId: string, @Query() query: WarrantyArchiveQueryDto) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(assetId)) throw new ProblemError(problem(400, 'INVALID_ASSET_ID', 'an asset id holds letters, digits and ._:- only'));
    await waitForView(this.readModels, 'warranty-archive', query.minPosition);
    const archive = queryWarrantyArchive(this.readModels.db, this.tables('warranty-archive'), assetId, this.clock.now());
    if (!archive) throw new ProblemError(problem(404, 'ASSET_NOT_FOUND', `no asset ${assetId} in the warranty archive`));
    // The view holds personal fields sealed, as the log does: opened here ("[erased]" once erased).
    return this.personalData.revealDeep(archive);
  }

  private async filter(query: ViewQueryDto): Promise<ViewFilter> {
    // An unknown policy is a mistake in the query, not an empty answer.
    if (query.policyId) this.policies.resolve(query.policyId);
    const filter: ViewFilter = {
      from: instant(query.from),
      to: instant(query.to),
      groupBy: query.groupBy,
      policyId: query.policyId,
      severity: query.severity,
      customerId: sameAs('customerId', query.customerId, 'customer', query.customer),
      engineerId: sameAs('engineerId', query.engineerId, 'engineer', query.engineer),
      serviceUnitId: query.serviceUnit,
      assetKind: query.assetKind,
      rollUp: query.rollUp === 'true',
    };
    if (filter.rollUp && filter.groupBy !== 'serviceUnit' && filter.serviceUnitId === undefined) {
      throw new ProblemError(
        problem(400, 'VALIDATION_FAILED', 'rollUp sums the units under a unit: it needs groupBy=serviceUnit or serviceUnit', {
          errors: [{ field: 'rollUp', message: 'needs groupBy=serviceUnit or serviceUnit' }],
        }),
      );
    }
    if (!needsNetwork(filter)) return filter;
    // The unit and asset kind come from the service network's view: read it up to the same position.
    await waitForView(this.readModels, 'service-network', query.minPosition);
    return { ...filter, network: networkTables(this.tables('service-network')) };
  }

  /** The groups of a query, or with groupBy=serviceUnit and rollUp=true one per unit holding its subtree. */
  private byUnit<G extends { key: string }>(filter: ViewFilter, run: (filter: ViewFilter) => G[], empty: (group: G) => boolean): G[] {
    if (!(filter.rollUp && filter.groupBy === 'serviceUnit')) return run(filter);
    return rollUpByUnit(listUnitIds(this.readModels.db, this.tables('service-network'), filter.serviceUnitId), filter, run, empty);
  }

  private tables(projection: string) {
    const tables = this.readModels.liveTables(projection);
    if (!tables) throw new ProblemError(problem(503, 'VIEW_NOT_READY', `the ${projection} view is being built; try again`), { 'retry-after': '1' });
    return tables;
  }

  private csv(reply: FastifyReply, name: string, header: readonly string[], rows: unknown[][]): string {
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
    return toCsv(header, rows);
  }
}

/** A filter given under both of its names must say the same thing twice. */
function sameAs(name: string, value: string | undefined, alias: string, aliased: string | undefined): string | undefined {
  if (value !== undefined && aliased !== undefined && value !== aliased) {
    throw new ProblemError(
      problem(400, 'VALIDATION_FAILED', `${name} and ${alias} name the same filter and differ`, { errors: [{ field: alias, message: `differs from ${name}` }] }),
    );
  }
  return value ?? aliased;
}
