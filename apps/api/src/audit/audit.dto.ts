import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

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
  @IsISO8601({ strict: true })
  @Matches(/T.*(Z|[+-]\d{2}:?\d{2})$/, { message: 'asOf must be a date-time with a zone' })
  asOf?: string;
}

export class VerifyQueryDto {
  @ApiPropertyOptional({ description: 'Check one stream only, as in ticket-<id>', example: 'ticket-0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  stream?: string;
}
