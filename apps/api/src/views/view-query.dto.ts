import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { PagingQueryDto } from '../http/paging.dto';
import { IsIn, IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import { CUSTOMER_SEGMENTS, GROUP_BYS, METRIC_IDS, OUTCOMES, type CustomerSegment, type GroupBy, type Outcome } from '@app/projections';
import { SEVERITIES } from '@app/ticketing';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
/** A date, or a date-time that says its zone: a time without one would be read in the server's zone. */
const DATE_OR_ZONED = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** The query string the analyst views share: period, grouping, filters, format, read-your-writes. */
export class ViewQueryDto {
  @ApiPropertyOptional({ description: 'Tickets reported at or after this time: a date (00:00 UTC) or a date-time with a zone', example: '2026-11-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(DATE_OR_ZONED, { message: 'from must be a date or a date-time with a zone' })
  from?: string;

  @ApiPropertyOptional({ description: 'Tickets reported before this time (exclusive): a date or a date-time with a zone', example: '2026-12-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(DATE_OR_ZONED, { message: 'to must be a date or a date-time with a zone' })
  to?: string;

  @ApiPropertyOptional({ enum: GROUP_BYS, description: 'Without it there is one group, keyed all' })
  @IsOptional()
  @IsIn(GROUP_BYS as unknown as string[])
  groupBy?: GroupBy;

  @ApiPropertyOptional({ example: 'it-support-plan' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  policyId?: string;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES as unknown as string[])
  severity?: string;

  @ApiPropertyOptional({ example: 'customer-042' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  customerId?: string;

  @ApiPropertyOptional({ example: 'eng-li' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  engineerId?: string;

  @ApiPropertyOptional({ example: 'eng-li', description: 'The same as engineerId' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  engineer?: string;

  @ApiPropertyOptional({ example: 'customer-042', description: 'The same as customerId' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  customer?: string;

  @ApiPropertyOptional({ example: 'dealer-north', description: "Tickets of this service unit (with rollUp=true, of it and every unit under it)" })
  @IsOptional()
  @IsString()
  @Matches(ID)
  serviceUnit?: string;

  @ApiPropertyOptional({ example: 'it-system', description: "Tickets whose asset is of this kind" })
  @IsOptional()
  @IsString()
  @Matches(ID)
  assetKind?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: "With groupBy=serviceUnit or serviceUnit: a unit's group holds its descendants' tickets too" })
  @IsOptional()
  @IsIn(['true', 'false'])
  rollUp?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ description: "A command's `position`: wait (up to 5 s) until the view has applied it", example: '42' })
  @IsOptional()
  @Matches(/^\d{1,20}(\/\d{1,20})?$/, { message: 'minPosition must be a position as commands return it' })
  minPosition?: string;
}

/** What the network views share: format, read-your-writes, and the instant "now" is taken at. */
class NetworkQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ description: "A command's `position`: wait (up to 5 s) until the view has applied it", example: '42' })
  @IsOptional()
  @Matches(/^\d{1,20}(\/\d{1,20})?$/, { message: 'minPosition must be a position as commands return it' })
  minPosition?: string;

  @ApiPropertyOptional({ description: "The instant the last 12 months end at (default: the server's now): a date or a date-time with a zone", example: '2026-12-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(DATE_OR_ZONED, { message: 'asOf must be a date or a date-time with a zone' })
  asOf?: string;

  @ApiPropertyOptional({ example: 'dealer-north', description: 'Only this unit and the units under it' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  serviceUnit?: string;
}

export class EngineersQueryDto extends NetworkQueryDto {
  @ApiPropertyOptional({ description: 'The period of restorations and of the tickets measured (inclusive): a date or a date-time with a zone', example: '2026-11-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(DATE_OR_ZONED, { message: 'from must be a date or a date-time with a zone' })
  from?: string;

  @ApiPropertyOptional({ description: 'The end of the period (exclusive)', example: '2026-12-01' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(DATE_OR_ZONED, { message: 'to must be a date or a date-time with a zone' })
  to?: string;
}

export class CustomersQueryDto extends NetworkQueryDto {
  @ApiPropertyOptional({ enum: CUSTOMER_SEGMENTS, default: 'all' })
  @IsOptional()
  @IsIn(CUSTOMER_SEGMENTS as unknown as string[])
  segment?: CustomerSegment;
}

export class ServiceQualityQueryDto {
  @ApiPropertyOptional({ example: 'dealer-north', description: "One unit's form; without it, every unit's side by side" })
  @IsOptional()
  @IsString()
  @Matches(ID)
  unit?: string;

  @ApiProperty({ example: '2026-11', description: 'The month of report, UTC' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be a month, as in 2026-11' })
  month!: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ description: "A command's `position`: wait (up to 5 s) until the view has applied it", example: '42' })
  @IsOptional()
  @Matches(/^\d{1,20}(\/\d{1,20})?$/, { message: 'minPosition must be a position as commands return it' })
  minPosition?: string;
}

export class ComplianceQueryDto extends ViewQueryDto {
  @ApiPropertyOptional({ enum: METRIC_IDS })
  @IsOptional()
  @IsIn(METRIC_IDS as unknown as string[])
  metric?: string;
}

export class ComplianceTicketsQueryDto extends IntersectionType(ViewQueryDto, PagingQueryDto) {
  @ApiPropertyOptional({ enum: METRIC_IDS.filter((m) => m !== 'consultationAverage') })
  @IsOptional()
  @IsIn(METRIC_IDS.filter((m) => m !== 'consultationAverage') as unknown as string[])
  metric?: string;

  @ApiPropertyOptional({ enum: OUTCOMES, description: 'breached includes open clocks past their due time' })
  @IsOptional()
  @IsIn(OUTCOMES as unknown as string[])
  outcome?: Outcome;

}

export class WarrantyArchiveQueryDto {
  @ApiPropertyOptional({ description: "A command's `position`: wait (up to 5 s) until the view has applied it", example: '42' })
  @IsOptional()
  @Matches(/^\d{1,20}(\/\d{1,20})?$/, { message: 'minPosition must be a position as commands return it' })
  minPosition?: string;
}

export class WarrantyArchiveListQueryDto extends IntersectionType(WarrantyArchiveQueryDto, PagingQueryDto) {
  @ApiPropertyOptional({ example: 'customer-042' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  customerId?: string;

  @ApiPropertyOptional({ description: 'Assets with a coverage ending before this date', example: '2027-07-01' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'coverageEndsBefore must be a date, as in 2027-07-01' })
  coverageEndsBefore?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only assets whose yearly inspection is (or is not) overdue' })
  @IsOptional()
  @IsIn(['true', 'false'])
  inspectionOverdue?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

}
