import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { EventStore } from '@app/event-store';
import { consultationHandlingMs, evaluateClocks, type SlaClock, type Ticket, toTicketEvent } from '@app/ticketing';
import { CLOCK, type Clock } from '../clock';
import { EVENT_STORE } from '../event-store/event-store.module';
import { problem, ProblemError } from '../http/problem';
import { PersonalDataCipher } from '../personal-data/personal-data-cipher';
import { PolicyCatalog } from '../policies/policy-catalog';
import { loadTicket } from './ticket-stream';

export type TicketView = Ticket & {
  readonly revision: number;
  /** Every SLA clock of the ticket at this moment, with the events that moved it. */
  readonly clocks: SlaClock[];
  /** Consultations: report-to-restore business time, once restored. */
  readonly consultationHandlingMs: number | null;
};

export class GetTicket extends Query<TicketView> {
  constructor(readonly ticketId: string) {
    super();
  }
}

/** The ticket's current state, folded from its stream, with its clocks evaluated at now. */
@QueryHandler(GetTicket)
export class GetTicketHandler implements IQueryHandler<GetTicket, TicketView> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly policies: PolicyCatalog,
    private readonly personalData: PersonalDataCipher,
  ) {}

  async execute({ ticketId }: GetTicket): Promise<TicketView> {
    const { state, recorded, revision } = await loadTicket(this.store, ticketId, this.personalData);
    if (state.status === 'none') throw new ProblemError(problem(404, 'TICKET_NOT_FOUND', `ticket ${ticketId} does not exist`));
    const policy = this.policies.find(state.policyId, state.policyVersion);
    const history = recorded.map((event) => ({ revision: event.revision, event: toTicketEvent(event) }));
    return {
      ...state,
      revision,
      clocks: policy ? evaluateClocks(history, policy, this.clock.now()) : [],
      consultationHandlingMs: policy ? consultationHandlingMs(history, policy) : null,
    };
  }
}
