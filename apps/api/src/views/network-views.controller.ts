import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  listUnitIds,
  queryCustomers,
  queryEngineers,
  queryServiceQuality,
  warrantyRepairLookup,
  type ReadModelStore,
  type ServiceQualityReport,
} from '@app/projections';
import { SLA_METRICS } from '@app/ticketing';
import { Roles } from '../auth/roles.decorator';
import { CLOCK, type Clock } from '../clock';
import { problem, ProblemError } from '../http/problem';
import { PolicyCatalog } from '../policies/policy-catalog';
import { READ_MODELS } from '../projections/projections.module';
import { toCsv } from './csv';
import { CustomerSegmentsConfig } from './customer-segments';
import { instant, waitForView } from './view-freshness';
import { CustomersQueryDto, EngineersQueryDto, ServiceQualityQueryDto } from './view-query.dto';

function liveTables(readModels: ReadModelStore, projection: string) {
  const tables = readModels.liveTables(projection);
  if (!tables) throw new ProblemError(problem(503, 'VIEW_NOT_READY', `the ${projection} view is being built; try again`), { 'retry-after': '1' });
  return tables;
}

function csv(reply: FastifyReply, name: string, header: readonly string[], rows: unknown[][]): string {
  reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
  return toCsv(header, rows);
}

/** The report is of one unit: an unknown one is 404. (A `serviceUnit` filter of the views, as every filter, matches nothing instead.) */
function knownUnit(readModels: ReadModelStore, unitId: string | undefined): void {
  if (unitId === undefined) return;
  if (!listUnitIds(readModels.db, liveTables(readModels, 'service-network')).includes(unitId)) {
    throw new ProblemError(problem(404, 'UNIT_NOT_FOUND', `no service unit ${unitId}`));
  }
}

/** The service network's analyst views: engineers and customers. */
@ApiTags('views')
@ApiBearerAuth()
@Controller('v1/views')
export class NetworkViewsController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly segments: CustomerSegmentsConfig,
  ) {}

  @Get('engineers')
  @Roles('analyst')
  @ApiOperation({ summary: 'Per engineer: open dispatches, restorations in the period, report-to-arrival median and p90, first-time-fix rate, satisfaction, trainings and assessments of the last 12 months' })
  async engineers(@Query() query: EngineersQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await waitForView(this.readModels, 'service-network', query.minPosition);
    const asOf = instant(query.asOf) ?? this.clock.now();
    const from = instant(query.from);
    const to = instant(query.to);
    const items = queryEngineers(this.readModels.db, liveTables(this.readModels, 'service-network'), { from, to, serviceUnitId: query.serviceUnit }, asOf);
    if (query.format === 'csv') {
      const header = [
        'engineerId', 'name', 'unitId', 'tier', 'active', 'openDispatches', 'restored', 'medianReportToArrivalMs', 'p90ReportToArrivalMs',
        'firstTimeFixes', 'firstTimeFixRate', 'rated', 'satisfied', 'satisfactionRate', 'averageScore', 'trainings', 'assessments',
      ];
      const rows = items.map((e) => [
        e.engineerId, e.name, e.unitId, e.tier, e.active, e.openDispatches, e.restored, e.medianReportToArrivalMs, e.p90ReportToArrivalMs,
        e.firstTimeFixes, e.firstTimeFixRate, e.satisfaction.rated, e.satisfaction.satisfied, e.satisfaction.rate, e.satisfaction.averageScore, e.trainings, e.assessments,
      ]);
      return csv(reply, 'engineers', header, rows);
    }
    return { from: from ?? null, to: to ?? null, asOf, items };
  }

  @Get('customers')
  @Roles('analyst')
  @ApiOperation({ summary: 'Customers: visits in the last 12 months, last visit, average satisfaction, segment (loyal, lost, active); for lost ones the last ticket and its rating' })
  async customers(@Query() query: CustomersQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await waitForView(this.readModels, 'service-network', query.minPosition);
    const asOf = instant(query.asOf) ?? this.clock.now();
    const segment = query.segment ?? 'all';
    const { segments } = this.segments;
    const items = queryCustomers(this.readModels.db, liveTables(this.readModels, 'service-network'), segments, segment, asOf, query.serviceUnit);
    if (query.format === 'csv') {
      const header = ['customerId', 'visits', 'lastVisit', 'averageSatisfaction', 'segment', 'lastTicketId', 'lastTicketOutcome', 'lastTicketRating'];
      const rows = items.map((c) => [c.customerId, c.visits, c.lastVisit, c.averageSatisfaction, c.segment, c.lastTicket?.ticketId, c.lastTicket?.outcome, c.lastTicket?.rating]);
      return csv(reply, 'customers', header, rows);
    }
    return { segment, asOf, loyalVisits: segments.loyalVisits, lostAfterMonths: segments.lostAfterMonths, items };
  }
}

/** The monthly repair-quality feedback form the agreement asks of each unit. */
@ApiTags('views')
@ApiBearerAuth()
@Controller('v1/reports')
export class ServiceQualityController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly policies: PolicyCatalog,
  ) {}

  @Get('service-quality')
  @Roles('analyst')
  @ApiOperation({ summary: "A unit's monthly service-quality form (its own tickets and its sub-units'), or every unit's side by side" })
  async serviceQuality(@Query() query: ServiceQualityQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    for (const projection of ['service-network', 'sla-compliance', 'satisfaction', 'warranty-archive']) await waitForView(this.readModels, projection, query.minPosition);
    knownUnit(this.readModels, query.unit);
    const network = liveTables(this.readModels, 'service-network');
    const sources = {
      network,
      compliance: liveTables(this.readModels, 'sla-compliance'),
      satisfaction: liveTables(this.readModels, 'satisfaction'),
      warranty: warrantyRepairLookup(this.readModels.db, liveTables(this.readModels, 'warranty-archive')),
    };
    const now = this.clock.now();
    const targets = this.policies.defaultPolicy.satisfactionTargets;
    const units = query.unit !== undefined ? [query.unit] : listUnitIds(this.readModels.db, network);
    const reports = units.flatMap((unitId) => queryServiceQuality(this.readModels.db, sources, unitId, query.month, now, targets) ?? []);
    if (query.format === 'csv') return csv(reply, `service-quality-${query.month}`, SERVICE_QUALITY_COLUMNS, reports.map(serviceQualityRow));
    return query.unit !== undefined ? reports[0] : { month: query.month, units: reports };
  }
}

const METRICS_IN_CSV = SLA_METRICS;

const SERVICE_QUALITY_COLUMNS = [
  'unitId', 'name', 'kind', 'month', 'repairs',
  ...METRICS_IN_CSV.flatMap((m) => [`${m}Met`, `${m}Breached`, `${m}Running`]),
  'restored', 'revisited', 'revisitRate', 'revisitTargetPercent', 'revisitTargetMet',
  'consultationRate', 'consultationMet', 'onsiteRate', 'onsiteMet', 'productRate', 'productMet',
  'repeatRepairs', 'inWarranty', 'outOfWarranty', 'warrantyUnknown', 'charges', 'majorFaults', 'majorFaultsReported', 'signedOff', 'signedOffShare',
];

function serviceQualityRow(r: ServiceQualityReport): unknown[] {
  return [
    r.unitId, r.name, r.kind, r.month, r.repairs,
    ...METRICS_IN_CSV.flatMap((m) => [r.clocks[m]?.met ?? 0, r.clocks[m]?.breached ?? 0, r.clocks[m]?.running ?? 0]),
    r.revisits.restored, r.revisits.revisited, r.revisits.rate, r.revisits.targetPercent, r.revisits.met,
    r.satisfaction.consultation.rate, r.satisfaction.consultation.met, r.satisfaction.onsite.rate, r.satisfaction.onsite.met, r.satisfaction.product.rate, r.satisfaction.product.met,
    r.repeatRepairs, r.warranty.inWarranty, r.warranty.outOfWarranty, r.warranty.unknown, r.warranty.charges, r.majorFaults.total, r.majorFaults.reported, r.signedOff.signed, r.signedOff.share,
  ];
}
