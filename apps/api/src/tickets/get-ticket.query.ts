import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { EventStore } from '@app/event-store';
import type { Ticket } from '@app/ticketing';
import { EVENT_STORE } from '../event-store/event-store.module';
import { problem, ProblemError } from '../http/problem';
import { loadTicket } from './ticket-stream';

export type TicketView = Ticket & { readonly revision: number };

export class GetTicket extends Query<TicketView> {
  constructor(readonly ticketId: string) {
    super();
  }
}

/** The ticket's current state, folded from its stream. */
@QueryHandler(GetTicket)
export class GetTicketHandler implements IQueryHandler<GetTicket, TicketView> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ ticketId }: GetTicket): Promise<TicketView> {
    const { state, revision } = await loadTicket(this.store, ticketId);
    if (state.status === 'none') throw new ProblemError(problem(404, 'TICKET_NOT_FOUND', `ticket ${ticketId} does not exist`));
    return { ...state, revision };
  }
}
