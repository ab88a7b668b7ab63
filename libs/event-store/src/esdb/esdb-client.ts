import { EventStoreDBClient } from '@eventstore/db-client';

/**
 * The client's protected members the adapter relies on, checked by the fault-injector tests
 * (test/esdb-fault-injector) against the installed client version.
 */
interface ClientInternals {
  supports: (method: unknown, feature?: string) => Promise<boolean>;
  getChannel: () => Promise<{ close(): void }>;
}

/**
 * A client for one store, used by one adapter only. Its appends take the unary `Append` call,
 * never `BatchAppend`, which the client would pick after asking the server's capabilities:
 * - BatchAppend carries an absolute deadline (client clock + 10 s) that the server compares with
 *   its own clock, so a client clock behind the server's fails every append; Append's deadline
 *   travels as gRPC's relative `grpc-timeout`, set from the adapter's own timeout;
 * - BatchAppend keeps its pending appends in one map shared by every client in the process, so
 *   one client's broken stream rejects another's appends;
 * - the capabilities answer is cached, a failed one included, and reset only after UNAVAILABLE or
 *   CANCELLED: one PERMISSION_DENIED from a proxy failed every later append. `supports` is the
 *   only caller of the capabilities call among the stream operations, so it is never made.
 */
export function createClient(connectionString: string): EventStoreDBClient {
  const client = EventStoreDBClient.connectionString(connectionString);
  (client as unknown as ClientInternals).supports = async () => false;
  return client;
}

/**
 * Ends the client's calls and closes its channel: `dispose()` cancels the open calls but leaves
 * the gRPC channel (its connection and keepalive timers) open. `used` says whether the client has
 * made a call: an unused one has no channel, and asking for it would create (or discover) one.
 */
export async function closeClient(client: EventStoreDBClient, used: boolean): Promise<void> {
  await client.dispose();
  if (!used) return;
  const channel = await Promise.race([
    (client as unknown as ClientInternals).getChannel().catch(() => undefined),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref()),
  ]);
  channel?.close();
}
