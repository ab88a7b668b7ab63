import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateBy } from 'class-validator';
import { parseInstant } from '@app/ticketing';

/**
 * A date-time with a zone, read in time linear in its length: anchored, each part of fixed
 * length, no `.*` for a long hostile value to backtrack through; then a real calendar date.
 */
const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const LONGEST_DATE_TIME = '2026-11-25T10:45:00.123456789+08:00'.length;

function IsDateTimeWithZone() {
  return ValidateBy({
    name: 'isDateTimeWithZone',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && value.length <= LONGEST_DATE_TIME && DATE_TIME_WITH_ZONE.test(value) && parseInstant(value) !== undefined,
      defaultMessage: () => 'asOf must be a date-time with a zone, as in 2026-11-25T10:45:00Z',
    },
  });
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'First revision of the page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromRevision?: number;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'true: personal fields as stored (sealed envelopes), so that each hash can be recomputed from the answer; false: opened, "[erased]" once erased' })
  @IsOptional()
  @IsIn(['true', 'false'])
  sealed?: 'true' | 'false';
}

export class StateQueryDto {
  @ApiPropertyOptional({ description: 'Replay up to and including this revision', example: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  revision?: number;

  @ApiPropertyOptional({ description: 'Replay the events whose business time is not after this moment', example: '2026-11-25T10:45:00Z' })
  @IsOptional()
  @IsDateTimeWithZone()
  asOf?: string;
}

export class VerifyQueryDto {
  @ApiPropertyOptional({ description: 'Check one stream only, as in ticket-<id>', example: 'ticket-0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  stream?: string;
}
