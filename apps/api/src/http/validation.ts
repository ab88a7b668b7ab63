import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { problem, ProblemError } from './problem';

/**
 * Strict validation of every body and query: unknown fields are refused, and a 400 lists each
 * field with what is wrong with it.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new ProblemError(
        problem(400, 'VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.message}`).join('; ') || 'the request is not valid', {
          errors: fields,
        }),
      );
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith('property ') ? 'is not allowed' : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
