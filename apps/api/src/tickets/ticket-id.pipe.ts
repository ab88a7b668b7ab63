import { Injectable, type PipeTransform } from '@nestjs/common';
import { problem, ProblemError } from '../http/problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A ticket id from the path: a UUID, in lower case, since UUIDs do not depend on letter case. */
@Injectable()
export class TicketIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new ProblemError(problem(400, 'INVALID_TICKET_ID', 'a ticket id is a UUID'));
    }
    return value.toLowerCase();
  }
}
