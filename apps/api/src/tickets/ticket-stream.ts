import { chainEvents, readStreamOrEmpty, type AppendResult, type EventStore, type RecordedEvent } from '@app/event-store';
import { EVENT_SCHEMA_VERSION, evolve, initialState, upcastTicketEvent, type TicketEvent, type TicketState } from '@app/ticketing';

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

/** Who and what caused the events of one command: recorded in each event's metadata. */
export interface CommandMetadata {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: { readonly name: string; readonly role: string };
  /** SHA-256 of the request, for idempotent retries; absent for commands the engine raises itself. */
  readonly requestHash?: string;
}

/**
 * Appends a command's events after the ticket as it was loaded: each event gets the command's
 * metadata, the server time, its schema version and its link in the stream's hash chain, and the
 * append expects the revision that was loaded (a conflict means someone wrote in between).
 */
export function appendToTicket(
  store: EventStore,
  ticket: LoadedTicket & { ticketId: string },
  events: readonly TicketEvent[],
  metadata: CommandMetadata,
  recordedAt: string,
): Promise<AppendResult> {
  const stream = ticketStream(ticket.ticketId);
  const stored = events.map((event) => ({
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: { ...metadata, recordedAt, schemaVersion: EVENT_SCHEMA_VERSION[event.type] },
  }));
  return store.append(stream, chainEvents(stream, ticket.recorded.at(-1), stored), {
    expectedRevision: ticket.revision < 0 ? 'no_stream' : ticket.revision,
  });
}
