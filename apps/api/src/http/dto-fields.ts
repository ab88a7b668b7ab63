import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

/**
 * Field decorators for request DTOs: each one validates the field and describes it in OpenAPI,
 * so the two can never disagree.
 */
interface FieldOptions {
  readonly description: string;
  readonly example: unknown;
  readonly optional?: boolean;
}

function documented(options: FieldOptions, schema: Record<string, unknown>) {
  const property = options.optional ? ApiPropertyOptional : ApiProperty;
  return [property({ description: options.description, example: options.example, ...schema }), ...(options.optional ? [IsOptional()] : [])];
}

/** A non-empty string of at most `max` characters. */
export function TextField(max: number, options: FieldOptions) {
  return applyDecorators(
    ...documented(options, { type: String, minLength: 1, maxLength: max }),
    IsString(),
    Length(1, max),
    Matches(/\S/, { message: '$property must not be blank' }),
  );
}

/** An identifier: letters, digits and `._:-`, at most 100 characters. */
export function IdField(options: FieldOptions) {
  return applyDecorators(
    ...documented(options, { type: String, minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' }),
    IsString(),
    Length(1, 100),
    Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: '$property may hold letters, digits and ._:- only' }),
  );
}

export function UuidField(options: FieldOptions) {
  return applyDecorators(...documented(options, { type: String, format: 'uuid' }), IsUUID('all'));
}

export function EnumField(values: readonly string[], options: FieldOptions) {
  return applyDecorators(
    ...documented(options, { enum: values, type: String }),
    IsIn(values as string[], { message: `$property must be one of ${values.join(', ')}` }),
  );
}

export function IntegerField(min: number, max: number, options: FieldOptions) {
  return applyDecorators(...documented(options, { type: Number, minimum: min, maximum: max }), IsInt(), Min(min), Max(max));
}

const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Business time: an ISO 8601 date-time with a zone; defaults to now, never in the future. */
export function AtField() {
  return applyDecorators(
    ...documented(
      {
        description:
          'When it happened (business time), ISO 8601 with a zone. Defaults to now; may not be in the future (5 s skew) nor before the ticket\'s last event.',
        example: '2026-11-25T09:30:00+08:00',
        optional: true,
      },
      { type: String, format: 'date-time' },
    ),
    IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date-time' }),
    Matches(DATE_TIME_WITH_ZONE, { message: '$property must be a date-time with a zone, as in 2026-11-25T09:30:00Z' }),
  );
}
