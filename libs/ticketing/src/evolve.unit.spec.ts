import { evolve } from './evolve';
import { CorruptTicketHistory } from './ticket-errors';
import type { TicketEvent } from './ticket-events';
import { initialState, type TicketState } from './ticket-state';
import {
  acknowledged,
  arrived,
  closed,
  dispatched,
  paused,
  reopened,
  reportFiled,
  reported,
  restored,
  resumed,
  t,
  ticketOf,
} from './testing/ticket-spec';

const replay = (...events: TicketEvent[]) => ticketOf(events.reduce<TicketState>(evolve, initialState()));

describe('evolve', () => {
  it('starts from no ticket at revision -1', () => {
    expect(initialState()).toEqual({ status: 'none', version: -1 });
  });

  it('opens the ticket from its report, absent facts as null', () => {
    const ticket = replay(reported({ zone: 'urban' }));
    expect(ticket).toMatchObject({
      status: 'reported',
      version: 0,
      ticketId: 'T-1',
      customerId: 'C-1',
      assetId: null,
      category: null,
      zone: 'urban',
      kind: 'fault',
      severity: 'general',
      policyId: 'default',
      policyVersion: 1,
      reportedAt: t(0),
      lastEventAt: t(0),
      lastFactAt: t(0),
      paused: null,
      dispatches: [],
      ratings: { consultation: null, onsite: null, product: null },
      reopenCount: 0,
    });
  });

  it('counts the stream revision and follows business time', () => {
    const ticket = replay(reported(), acknowledged(t(5)), dispatched('e1', 'onsite', t(10)));
    expect(ticket.version).toBe(2);
    expect(ticket.lastEventAt).toBe(t(10));
    expect(ticket).toMatchObject({ status: 'acknowledged', acknowledgedAt: t(5), acknowledgedBy: 'desk-1' });
  });

  it('tracks each dispatch to its arrival', () => {
    const ticket = replay(
      reported(),
      acknowledged(),
      dispatched('e1', 'onsite', t(10)),
      arrived('e1', 'onsite', t(20)),
      dispatched('s1', 'senior', t(40), true),
    );
    expect(ticket.dispatches).toEqual([
      { engineerId: 'e1', tier: 'onsite', escalation: false, dispatchedAt: t(10), arrivedAt: t(20), stoodDownAt: null },
      { engineerId: 's1', tier: 'senior', escalation: true, dispatchedAt: t(40), arrivedAt: null, stoodDownAt: null },
    ]);
  });

  it('stands down engineers still on the way when service is restored', () => {
    const ticket = replay(reported(), acknowledged(), dispatched('e1', 'onsite'), restored(t(30)));
    expect(ticket.dispatches[0]).toMatchObject({ arrivedAt: null, stoodDownAt: t(30) });
    expect(ticket).toMatchObject({
      status: 'restored',
      restoredAt: t(30),
      restoredBy: 'eng-1',
      resolution: 'replaced the disk',
    });
  });

  it('holds the current pause and clears it on resume', () => {
    expect(replay(reported(), paused(t(15), 'awaiting-customer')).paused).toEqual({
      reason: 'awaiting-customer',
      since: t(15),
    });
    expect(replay(reported(), paused(), resumed()).paused).toBeNull();
  });

  it('changes the severity and keeps how it changed', () => {
    const ticket = replay(reported(), {
      type: 'TicketReprioritized',
      data: { from: 'general', to: 'major', reason: 'outage', at: t(3) },
    });
    expect(ticket.severity).toBe('major');
    expect(ticket.reprioritizations).toEqual([{ from: 'general', to: 'major', reason: 'outage', at: t(3) }]);
  });

  it('records the report, ratings, revisits and close', () => {
    const ticket = replay(
      reported(),
      acknowledged(),
      restored(),
      reportFiled(t(40)),
      { type: 'SatisfactionRated', data: { kind: 'onsite', score: 4, comment: 'quick', at: t(41) } },
      { type: 'RevisitCompleted', data: { by: 'd', outcome: 'ok', at: t(42) } },
      closed(t(50)),
    );
    expect(ticket).toMatchObject({
      status: 'closed',
      reportFiledAt: t(40),
      report: { faultType: 'hardware', cause: 'disk wear', method: 'replacement', loss: 'none', by: 'eng-1' },
      ratings: { onsite: { score: 4, comment: 'quick', at: t(41) }, product: null },
      revisits: [{ by: 'd', outcome: 'ok', at: t(42) }],
      closedAt: t(50),
      closedBy: 'desk-1',
    });
  });

  it('reopens as acknowledged, clearing the restoration but keeping what the customer said', () => {
    const ticket = replay(
      reported(),
      acknowledged(),
      restored(),
      reportFiled(),
      { type: 'SatisfactionRated', data: { kind: 'product', score: 2, at: t(45) } },
      closed(),
      reopened(t(60)),
    );
    expect(ticket).toMatchObject({
      status: 'acknowledged',
      acknowledgedAt: t(5),
      restoredAt: null,
      restoredBy: null,
      resolution: null,
      reportFiledAt: null,
      report: null,
      closedAt: null,
      closedBy: null,
      reopenCount: 1,
      ratings: { product: { score: 2, comment: null, at: t(45) } },
    });
  });

  it('records the engine-raised SLA events in their lists', () => {
    const ticket = replay(
      reported(),
      {
        type: 'SlaWarningReached',
        data: { metric: 'response', threshold: 0.5, dueAt: t(30), policyVersion: 1, at: t(15) },
      },
      { type: 'SlaBreached', data: { metric: 'response', dueAt: t(30), policyVersion: 1, at: t(30) } },
      { type: 'EscalationRequired', data: { metric: 'response', reason: 'no answer in 30 min', at: t(30) } },
    );
    expect(ticket.slaWarnings).toEqual([
      { revision: 1, withdrawn: null, metric: 'response', threshold: 0.5, dueAt: t(30), policyVersion: 1, at: t(15) },
    ]);
    expect(ticket.slaBreaches).toEqual([{ revision: 2, withdrawn: null, metric: 'response', dueAt: t(30), policyVersion: 1, at: t(30) }]);
    expect(ticket.escalations).toEqual([{ revision: 3, withdrawn: null, metric: 'response', reason: 'no answer in 30 min', at: t(30) }]);
    expect(ticket.version).toBe(3);
  });

  it('marks a withdrawn alarm with its withdrawal and keeps it in its list', () => {
    const ticket = replay(
      reported(),
      { type: 'SlaBreached', data: { metric: 'response', dueAt: t(30), policyVersion: 1, at: t(30) } },
      { type: 'EscalationRequired', data: { metric: 'response', reason: 'late', at: t(30) } },
      acknowledged(t(20)),
      { type: 'SlaAlarmWithdrawn', data: { alarm: 'breach', metric: 'response', alarmRevision: 1, reason: 'in time', at: t(20) } },
      { type: 'SlaAlarmWithdrawn', data: { alarm: 'escalation', metric: 'response', alarmRevision: 2, reason: 'its breach', at: t(20) } },
    );
    expect(ticket.slaBreaches).toEqual([
      { revision: 1, withdrawn: { at: t(20), reason: 'in time', revision: 4 }, metric: 'response', dueAt: t(30), policyVersion: 1, at: t(30) },
    ]);
    expect(ticket.escalations[0]?.withdrawn).toEqual({ at: t(20), reason: 'its breach', revision: 5 });
    expect(ticket.lastFactAt).toBe(t(20));
    expect(ticket.lastEventAt).toBe(t(30));
  });

  it('ignores a withdrawal whose alarm it does not hold (a replay cut by business time)', () => {
    const before = replay(reported(), acknowledged(t(20)));
    const after = ticketOf(
      evolve(before, { type: 'SlaAlarmWithdrawn', data: { alarm: 'warning', metric: 'response', alarmRevision: 7, reason: 'x', at: t(20) } }),
    );
    expect(after.slaWarnings).toEqual([]);
    expect(after.version).toBe(before.version + 1);
  });

  it('keeps the latest business time when an event is dated earlier than one before it', () => {
    const ticket = replay(reported(), acknowledged(t(40)), {
      type: 'SlaBreached',
      data: { metric: 'response', dueAt: t(30), policyVersion: 1, at: t(30) },
    });
    expect(ticket.lastEventAt).toBe(t(40));
    expect(ticket.lastFactAt).toBe(t(40));
  });

  it('moves lastFactAt with facts only: an alarm dated later leaves it', () => {
    const ticket = replay(reported(), {
      type: 'SlaBreached',
      data: { metric: 'response', dueAt: t(30), policyVersion: 1, at: t(30) },
    });
    expect(ticket.lastEventAt).toBe(t(30));
    expect(ticket.lastFactAt).toBe(t(0));
  });

  it('never changes the state it is given', () => {
    const before = deepFreeze(replay(reported(), acknowledged(), dispatched('e1', 'onsite')));
    const snapshot = JSON.stringify(before);
    const after = ticketOf(evolve(before, arrived('e1', 'onsite')));
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(after.dispatches[0]!.arrivedAt).toBe(t(20));
  });

  it('gives a state that survives a JSON round trip unchanged', () => {
    const ticket = replay(
      reported({ assetId: 'A-1', kind: 'inspection' }),
      acknowledged(),
      paused(),
      restored(),
      reopened(),
    );
    expect(JSON.parse(JSON.stringify(ticket))).toEqual(ticket);
  });

  it('refuses a history that does not start with a report', () => {
    expect(() => evolve(initialState(), acknowledged())).toThrow(CorruptTicketHistory);
  });

  it('refuses a second report', () => {
    expect(() => replay(reported(), reported({ at: t(1) }))).toThrow(/reported a second time/);
  });

  it('refuses an event type it does not know', () => {
    expect(() => replay(reported(), { type: 'TicketArchived', data: { at: t(1) } } as never)).toThrow(
      CorruptTicketHistory,
    );
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
