import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsNumber, IsObject, IsOptional, Max, Min } from 'class-validator';
import { ENGINEER_TIERS, RECORD_KINDS, UNIT_KINDS, ZONES, type EngineerTier, type RecordKind, type UnitKind, type Zone } from '@app/ticketing';
import { AtField, EnumField, IdField, TextField } from '../http/dto-fields';

/** The agreement's numbers, checked field by field by the domain (which names a bad or unknown field). */
const TERMS_EXAMPLE = { revisitTargetPercent: 30, feedbackDayOfMonth: 5, arrivalUrban: 'PT2H', arrivalSuburban: 'PT4H' };
const TERMS_DESCRIPTION =
  'The agreement\'s numbers: revisitTargetPercent (0-100), feedbackDayOfMonth (1-28), arrivalUrban and arrivalSuburban (ISO 8601 durations); each optional';

function ScoreField(description: string, optional: boolean) {
  return (target: object, key: string) => {
    ApiPropertyOptional({ description, example: 88, minimum: 0, maximum: 100, type: Number, required: !optional })(target, key);
    if (optional) IsOptional()(target, key);
    IsNumber({ allowNaN: false, allowInfinity: false })(target, key);
    Min(0)(target, key);
    Max(100)(target, key);
  };
}

export class RegisterUnitDto {
  @IdField({ description: 'The unit id; generated when absent (derived from the Idempotency-Key when one is sent)', example: 'dealer-east', optional: true })
  unitId?: string;
  @TextField(200, { description: 'The unit\'s name', example: 'East District Dealer' })
  name!: string;
  @EnumField(UNIT_KINDS, { description: 'manufacturer, dealer, branch or repair-group', example: 'dealer' })
  kind!: UnitKind;
  @IdField({ description: 'The unit above it (a dealer\'s manufacturer); must be registered', example: 'maker', optional: true })
  parentId?: string;
  @EnumField(ZONES, { description: 'Where it serves: urban or suburban', example: 'urban', optional: true })
  zone?: Zone;
  @IdField({ description: 'The SLA policy its tickets use by default; must be in the catalog', example: 'dealer-service', optional: true })
  policyId?: string;
  @ApiPropertyOptional({ description: TERMS_DESCRIPTION, example: TERMS_EXAMPLE })
  @IsOptional()
  @IsObject()
  terms?: Record<string, unknown>;
  @AtField()
  at?: string;
}

export class ChangeUnitTermsDto {
  @ApiPropertyOptional({ description: `The whole new terms (not a patch). ${TERMS_DESCRIPTION}`, example: TERMS_EXAMPLE, required: true })
  @IsObject()
  terms!: Record<string, unknown>;
  @AtField()
  at?: string;
}

export class InspectUnitDto {
  @IdField({ description: 'The inspecting unit: the inspected unit\'s parent', example: 'maker' })
  byUnitId!: string;
  @TextField(4000, { description: 'What the inspection found', example: 'Spare parts stock below the agreed level' })
  findings!: string;
  @ScoreField('Score out of 100', false)
  score!: number;
  @AtField()
  at?: string;
}

export class RegisterEngineerDto {
  @IdField({ description: 'The engineer id; generated when absent (derived from the Idempotency-Key when one is sent)', example: 'eng-li', optional: true })
  engineerId?: string;
  @TextField(200, { description: 'The engineer\'s name', example: 'Li Wei' })
  name!: string;
  @IdField({ description: 'The unit the engineer works in; must be registered', example: 'dealer-east' })
  unitId!: string;
  @EnumField(ENGINEER_TIERS, { description: 'onsite or senior: the tier a dispatch takes when it names none', example: 'onsite' })
  tier!: EngineerTier;
  @ApiPropertyOptional({ description: 'Skills', example: ['hvac', 'electrical'], type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  skills?: string[];
  @AtField()
  at?: string;
}

export class MoveEngineerDto {
  @IdField({ description: 'The unit the engineer moves to; must be registered', example: 'dealer-west' })
  toUnitId!: string;
  @AtField()
  at?: string;
}

export class EngineerRecordDto {
  @TextField(200, { description: 'The course', example: 'Boiler safety' })
  course!: string;
  @EnumField(RECORD_KINDS, { description: 'scheduled or unscheduled', example: 'scheduled' })
  kind!: RecordKind;
  @TextField(2000, { description: 'The result', example: 'passed' })
  result!: string;
  @ScoreField('Score out of 100, if one was given', true)
  score?: number;
  @AtField()
  at?: string;
}

export class EngineerLeavesDto {
  @TextField(2000, { description: 'Why the engineer left', example: 'moved to another city', optional: true })
  reason?: string;
  @AtField()
  at?: string;
}
