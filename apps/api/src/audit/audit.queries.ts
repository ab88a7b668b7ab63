import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { formatPosition, readStreamOrEmpty, type EventStore, type RecordedEvent } from '@app/event-store';
import { consultationHandlingMs, evaluateClocks, evolve, initialState, type TicketState, toTicketEvent } from '@app/ticketing';
import { EVENT_STORE } from '../event-store/event-store.module';
import { problem, ProblemError } from '../http/problem';
import { PersonalDataCipher } from '../personal-data/personal-data-cipher';
import { PolicyCatalog } from '../policies/policy-catalog';
import { ChainVerification } from './chain-verification';
import type { Verification } from './verify-chains';

export interface HistoryEvent {
  readonly id: string;
  readonly revision: number;
  readonly position: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  /** When the server recorded the command: the time inside the hashed metadata. */
  readonly recordedAt: string;
  /** When the store wrote the row: the store's own clock, outside the hash chain. */
  readonly storedAt: string;
  readonly hash: string | null;
}

export interface HistoryPage {
  readonly stream: string;
  readonly events: HistoryEvent[];
  /** The revision to ask for next, or null at the end of the stream. */
  readonly nextRevision: number | null;
}

export class GetStreamHistory extends Query<HistoryPage> {
  constructor(
    readonly stream: string,
    readonly fromRevision: number,
    readonly limit: number,
    /** Personal fields as stored (sealed), for recomputing hashes; else opened. */
    readonly sealed: boolean = false,
  ) {
    super();
  }
}

/** Every event of a stream with its revision, position, data, full metadata and hash, a page at a time. */
@QueryHandler(GetStreamHistory)
export class GetStreamHistoryHandler implements IQueryHandler<GetStreamHistory, HistoryPage> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly personalData: PersonalDataCipher,
  ) {}

  async execute({ stream, fromRevision, limit, sealed }: GetStreamHistory): Promise<HistoryPage> {
    const events = await readStreamOrEmpty(this.store, stream, { fromRevision, maxCount: limit + 1 });
    if (events.length === 0 && (fromRevision === 0 || (await readStreamOrEmpty(this.store, stream, { maxCount: 1 })).length === 0)) {
      const [kind, ...id] = stream.split('-');
      throw new ProblemError(problem(404, `${kind.toUpperCase()}_NOT_FOUND`, `${kind} ${id.join('-')} does not exist`));
    }
    // Personal fields opened ("[erased]" once erased) unless asked for as stored: `hash` covers the stored form.
    const page = sealed ? events.slice(0, limit) : await this.personalData.reveal(events.slice(0, limit));
    return { stream, events: page.map(toHistoryEvent), nextRevision: events.length > limit ? events[limit].revision : null };
  }
}

export function toHistoryEvent(event: RecordedEvent): HistoryEvent {
  return {
    id: event.id,
    revision: event.revision,
    position: formatPosition(event.position),
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: typeof event.metadata.recordedAt === 'string' ? event.metadata.recordedAt : event.recordedAt,
    storedAt: event.recordedAt,
    hash: typeof event.metadata.hash === 'string' ? event.metadata.hash : null,
  };
}

export type TicketAsOf = TicketState & {
  readonly revision: number;
  readonly asOf: string;
  readonly clocks: ReturnType<typeof evaluateClocks>;
  readonly consultationHandlingMs: number | null;
};

export class GetTicketAsOf extends Query<TicketAsOf> {
  constructor(
    readonly ticketId: string,
    readonly point: { revision: number } | { asOf: string },
  ) {
    super();
  }
}

/**
 * A ticket replayed to a revision, or to a moment of business time (the events whose `at` is not
 * after it), with its clocks evaluated at that moment under the policy version it recorded.
 */
@QueryHandler(GetTicketAsOf)
export class GetTicketAsOfHandler implements IQueryHandler<GetTicketAsOf, TicketAsOf> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly policies: PolicyCatalog,
    private readonly personalData: PersonalDataCipher,
  ) {}

  async execute({ ticketId, point }: GetTicketAsOf): Promise<TicketAsOf> {
    const recorded = await this.personalData.reveal(await readStreamOrEmpty(this.store, `ticket-${ticketId}`));
    if (recorded.length === 0) throw new ProblemError(problem(404, 'TICKET_NOT_FOUND', `ticket ${ticketId} does not exist`));
    const history = recorded.map((event) => ({ revision: event.revision, event: toTicketEvent(event) }));
    let kept: typeof history;
    let asOf: string;
    if ('revision' in point) {
      if (point.revision > recorded.length - 1) {
        throw new ProblemError(problem(404, 'REVISION_NOT_FOUND', `ticket ${ticketId} has revisions 0 to ${recorded.length - 1}`));
      }
      kept = history.slice(0, point.revision + 1);
      asOf = kept[kept.length - 1].event.data.at;
    } else {
      asOf = point.asOf;
      const limit = Date.parse(asOf);
      kept = history.filter((entry) => Date.parse(entry.event.data.at) <= limit);
      if (kept.length === 0 || kept[0].event.type !== 'TicketReported') {
        throw new ProblemError(problem(404, 'TICKET_NOT_FOUND', `ticket ${ticketId} was not reported yet at ${asOf}`));
      }
    }
    const state = kept.reduce<TicketState>((current, entry) => evolve(current, entry.event), initialState());
    const policy = state.status === 'none' ? undefined : this.policies.find(state.policyId, state.policyVersion);
    return {
      ...state,
      revision: kept[kept.length - 1].revision,
      asOf,
      clocks: policy ? evaluateClocks(kept, policy, asOf) : [],
      consultationHandlingMs: policy ? consultationHandlingMs(kept, policy) : null,
    };
  }
}

export class VerifyChains extends Query<Verification> {
  constructor(readonly stream?: string) {
    super();
  }
}

/** The hash-chain check of the log or of one stream; see ChainVerification. */
@QueryHandler(VerifyChains)
export class VerifyChainsHandler implements IQueryHandler<VerifyChains, Verification> {
  constructor(private readonly verification: ChainVerification) {}

  execute({ stream }: VerifyChains): Promise<Verification> {
    return this.verification.verify(stream);
  }
}
