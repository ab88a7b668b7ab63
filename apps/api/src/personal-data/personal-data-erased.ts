import type { Event } from '@app/ticketing';

/**
 * Recorded in the stream `customer-<id>` when a customer's personal data is erased (schema
 * version 1). It holds no personal data: the customer id (a pseudonym), the data keys destroyed,
 * and who asked and why. The admin key that sent the request is in the event's metadata.
 */
export type PersonalDataErased = Event<
  'PersonalDataErased',
  { customerId: string; keyIds: readonly string[]; reason: string; requestedBy: string; at: string }
>;

/** Every event type of a customer's stream. */
export type CustomerEvent = PersonalDataErased;

/** The current schema version of `PersonalDataErased`. */
export const PERSONAL_DATA_ERASED_SCHEMA_VERSION = 1;
