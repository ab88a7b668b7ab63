import { readStreamOrEmpty, type EventStore, type RecordedEvent } from '@app/event-store';
import { evolve, initialState, upcastTicketEvent, type TicketEvent, type TicketState } from '@app/ticketing';

export const ticketStream = (ticketId: string) => `ticket-${ticketId}`;

export interface LoadedTicket {
  readonly state: TicketState;
  readonly recorded: readonly RecordedEvent[];
  /** The revision of the last event, or -1 when the ticket has none. */
  readonly revision: number;
}

/** A stored event as the domain's current shape; the one upcasting step every reader uses. */
export function toTicketEvent(recorded: RecordedEvent): TicketEvent {
  const schemaVersion = recorded.metadata.schemaVersion;
  const result = upcastTicketEvent(recorded.type, recorded.data, typeof schemaVersion === 'number' ? schemaVersion : undefined);
  if (!result.ok) {
    throw new Error(`${recorded.stream}@${recorded.revision}: ${result.error.message}`);
  }
  return result.event;
}

export function foldTicket(recorded: readonly RecordedEvent[]): TicketState {
  return recorded.reduce<TicketState>((state, event) => evolve(state, toTicketEvent(event)), initialState());
}

export async function loadTicket(store: EventStore, ticketId: string): Promise<LoadedTicket> {
  const recorded = await readStreamOrEmpty(store, ticketStream(ticketId));
  return { state: foldTicket(recorded), recorded, revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1].revision };
}
