import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { SCHEDULE_KINDS } from '@app/ticketing';
import { PagingQueryDto } from '../http/paging.dto';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

class ScheduleFilterDto {
  @ApiPropertyOptional({ description: "Entries due on or after this date (each asset's local date); today (UTC) when left out", example: '2025-01-01' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a date, YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'Entries due before this date (exclusive); 31 days after from when left out', example: '2025-02-01' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a date, YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ example: 'customer-042' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  customerId?: string;

  @ApiPropertyOptional({ description: 'Accepted for clients that send it; ignored until assets belong to service units', example: 'unit-east' })
  @IsOptional()
  @IsString()
  @Matches(ID)
  serviceUnitId?: string;

  @ApiPropertyOptional({ enum: SCHEDULE_KINDS })
  @IsOptional()
  @IsIn(SCHEDULE_KINDS as unknown as string[])
  kind?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ description: "A command's `position`: wait (up to 5 s) until the view has applied it", example: '42' })
  @IsOptional()
  @Matches(/^\d{1,20}(\/\d{1,20})?$/, { message: 'minPosition must be a position as commands return it' })
  minPosition?: string;
}

export class ScheduleQueryDto extends IntersectionType(ScheduleFilterDto, PagingQueryDto) {}
