import { readStreamOrEmpty, type EventStore, type RecordedEvent } from '@app/event-store';
import { evolve, initialState, toTicketEvent, type TicketState } from '@app/ticketing';

export const ticketStream = (ticketId: string) => `ticket-${ticketId}`;

export interface LoadedTicket {
  readonly state: TicketState;
  readonly recorded: readonly RecordedEvent[];
  /** The revision of the last event, or -1 when the ticket has none. */
  readonly revision: number;
}

/** Folds a ticket's events from the start, or onto `from`, the state of the events before them. */
export function foldTicket(recorded: readonly RecordedEvent[], from: TicketState = initialState()): TicketState {
  return recorded.reduce<TicketState>((state, event) => evolve(state, toTicketEvent(event)), from);
}

export async function loadTicket(store: EventStore, ticketId: string): Promise<LoadedTicket> {
  const recorded = await readStreamOrEmpty(store, ticketStream(ticketId));
  return { state: foldTicket(recorded), recorded, revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1].revision };
}
