import { readStreamOrEmpty, type EventStore, type RecordedEvent } from '@app/event-store';
import { evolve, initialState, toTicketEvent, type TicketState } from '@app/ticketing';
import type { PersonalDataCipher } from '../personal-data/personal-data-cipher';

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

/** `personalData` opens the personal fields; without it they stay as stored (sealed). */
export async function loadTicket(store: EventStore, ticketId: string, personalData?: PersonalDataCipher): Promise<LoadedTicket> {
  const stored = await readStreamOrEmpty(store, ticketStream(ticketId));
  const recorded = personalData ? await personalData.reveal(stored) : stored;
  return { state: foldTicket(recorded), recorded, revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1].revision };
}
