import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { formatPosition, readStreamOrEmpty, WrongExpectedRevision, type EventStore, type RecordedEvent } from '@app/event-store';
import { personalValues } from '@app/ticketing';
import type { Principal } from '../auth/key-ring';
import { CLOCK, type Clock } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { appendChained } from '../commands/stream-commands';
import { EVENT_STORE } from '../event-store/event-store.module';
import { isEnvelope, open } from './envelope';
import { PersonalDataCipher } from './personal-data-cipher';
import { PERSONAL_DATA_ERASED_SCHEMA_VERSION, type PersonalDataErased } from './personal-data-erased';

/** The stream of a customer's erasures: it holds no personal data, only who asked, when and why. */
export const customerStream = (customerId: string) => `customer-${customerId}`;

export const PERSONAL_DATA_ERASED: PersonalDataErased['type'] = 'PersonalDataErased';

/** What an erasure request says about itself; neither may hold the customer's personal data. */
export interface ErasureRequest {
  readonly reason: string;
  readonly requestedBy: string;
}

export interface ErasureOutcome {
  readonly customerId: string;
  /** When the keys were destroyed (for a repeated request: by the first one). */
  readonly erasedAt: string;
  /** The data keys destroyed. */
  readonly keyIds: readonly string[];
  /** Where the erasure is recorded: its event in the customer's stream. */
  readonly stream: string;
  readonly revision: number;
  readonly position: string;
  /** True when the customer's data was already erased and nothing was done now. */
  readonly replayed: boolean;
}

/** One personal value held about a customer, and where it is. */
export interface HeldField {
  readonly stream: string;
  readonly revision: number;
  readonly eventType: string;
  readonly path: string;
  readonly value: unknown;
  readonly recordedAt: string;
}

/** How many times an erasure is tried again when another request appended to the customer's stream first. */
const MAX_ATTEMPTS = 3;

/**
 * Erasure and access requests for one customer (PIPL Art. 47 and 45, GDPR Art. 17 and 15).
 * Erasure is crypto-shredding: the customer's data keys are destroyed, so every sealed copy of
 * their personal data (the log, the views, queued webhook deliveries, exports, backups of those)
 * becomes unreadable at once, and the log, its hashes and proofs stay as they are.
 */
@Injectable()
export class CustomerPersonalData {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly cipher: PersonalDataCipher,
    private readonly streams: CommandStreams,
  ) {}

  /**
   * Records the erasure (`PersonalDataErased`, listing the keys it destroys) and then destroys the
   * keys: a failure in between leaves a live key that the next request finds and destroys. A
   * request for a customer whose keys are all destroyed already answers the last erasure again.
   */
  async erase(customerId: string, request: ErasureRequest, actor: Principal): Promise<ErasureOutcome> {
    const stream = customerStream(customerId);
    for (let attempt = 1; ; attempt++) {
      const recorded = await readStreamOrEmpty(this.store, stream);
      const live = (await this.cipher.keyStore.keysOf(customerId)).filter((key) => key.destroyedAt === null).map((key) => key.kid);
      const last = recorded.filter((event) => event.type === PERSONAL_DATA_ERASED).at(-1);
      if (live.length === 0 && last) return outcomeOf(customerId, last, true);
      const now = this.clock.now();
      const commandId = randomUUID();
      try {
        const result = await appendChained(
          this.store,
          stream,
          recorded,
          [{ type: PERSONAL_DATA_ERASED, data: { customerId, keyIds: live, reason: request.reason, requestedBy: request.requestedBy, at: now } } satisfies PersonalDataErased],
          () => PERSONAL_DATA_ERASED_SCHEMA_VERSION,
          { commandId, correlationId: commandId, causationId: commandId, actor: { name: actor.keyId, role: actor.role } },
          now,
        );
        await this.cipher.erase(customerId, now);
        // Commands remember the streams they ran on with clear values: those of this customer go.
        for (const held of await this.cipher.keyStore.streamsOf(customerId)) this.streams.forget(held);
        return { customerId, erasedAt: now, keyIds: live, stream, revision: result.nextExpectedRevision, position: formatPosition(result.position), replayed: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Every personal value held about the customer that can still be read, with where it is (stream,
   * revision, field path). Erased values are not held in any readable form and are not listed.
   * Undefined when nothing was ever held about this customer id.
   */
  async access(customerId: string): Promise<{ customerId: string; generatedAt: string; fields: HeldField[]; keys: unknown[]; erasures: unknown[] } | undefined> {
    const keys = await this.cipher.keyStore.keysOf(customerId);
    const erasures = (await readStreamOrEmpty(this.store, customerStream(customerId))).filter((event) => event.type === PERSONAL_DATA_ERASED);
    const streams = await this.cipher.keyStore.streamsOf(customerId);
    if (keys.length === 0 && erasures.length === 0 && streams.length === 0) return undefined;
    const live = new Map<string, Buffer>();
    for (const key of keys) {
      const bytes = key.destroyedAt === null ? await this.cipher.keyStore.keyById(key.kid) : undefined;
      if (bytes instanceof Buffer) live.set(key.kid, bytes);
    }
    const fields: HeldField[] = [];
    for (const stream of streams) {
      for (const event of await readStreamOrEmpty(this.store, stream)) {
        for (const found of personalValues(event.type, event.data)) {
          if (!isEnvelope(found.value)) continue;
          const key = live.get(found.value.kid);
          if (!key) continue;
          fields.push({ stream, revision: event.revision, eventType: event.type, path: found.path, value: open(found.value, key), recordedAt: recordedAtOf(event) });
        }
      }
    }
    return {
      customerId,
      generatedAt: this.clock.now(),
      fields,
      keys: keys.map((key) => ({ keyId: key.kid, createdAt: key.createdAt, destroyedAt: key.destroyedAt })),
      erasures: erasures.map((event) => ({ revision: event.revision, ...event.data, actor: event.metadata.actor })),
    };
  }
}

function recordedAtOf(event: RecordedEvent): string {
  return typeof event.metadata.recordedAt === 'string' ? event.metadata.recordedAt : event.recordedAt;
}

function outcomeOf(customerId: string, event: RecordedEvent, replayed: boolean): ErasureOutcome {
  const data = event.data as { keyIds?: string[]; at?: string };
  return {
    customerId,
    erasedAt: data.at ?? recordedAtOf(event),
    keyIds: data.keyIds ?? [],
    stream: event.stream,
    revision: event.revision,
    position: formatPosition(event.position),
    replayed,
  };
}
