import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';

export class TreeHeadQueryDto {
  @ApiPropertyOptional({ minimum: 0, description: 'A head for this earlier size instead of the latest' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  treeSize?: number;
}

export class InclusionQueryDto {
  @ApiProperty({ example: 'ticket-0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01' })
  @IsString()
  @Length(1, 255)
  stream!: string;

  @ApiProperty({ minimum: 0, example: 0 })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  revision!: number;

  @ApiPropertyOptional({ minimum: 1, description: 'The tree to prove the event in; the latest when absent' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  treeSize?: number;
}

export class ConsistencyQueryDto {
  @ApiProperty({ minimum: 0, description: 'The size of the older head' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  from!: number;

  @ApiPropertyOptional({ minimum: 0, description: 'The size of the newer head; the latest when absent' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  to?: number;
}
