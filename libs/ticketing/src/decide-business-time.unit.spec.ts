import { NOW, acknowledged, given, reported, restoredHistory, t } from './testing/ticket-spec';

const acknowledge = (at?: string) =>
  ({ type: 'AcknowledgeResponse', data: { by: 'desk-1', ...(at === undefined ? {} : { at }) } }) as const;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('business time of a command', () => {
  it('defaults to now', () => {
    given(reported())
      .when(acknowledge())
      .then([acknowledged(NOW)]);
  });

  it('is stored in canonical UTC form whatever offset it came with', () => {
    given(reported())
      .when(acknowledge('2026-11-25T18:05+08:00'))
      .then([acknowledged(t(5))]);
  });

  it('may run up to 5 s ahead of now, for clock skew', () => {
    given(reported())
      .when(acknowledge(plus(NOW, 5_000)))
      .then([acknowledged(plus(NOW, 5_000))]);
  });

  it('may not run further ahead', () => {
    given(reported())
      .when(acknowledge(plus(NOW, 5_001)))
      .thenFails('AT_IN_FUTURE', 'at');
    given()
      .when({
        type: 'ReportTicket',
        data: {
          ticketId: 'T-1',
          customerId: 'C-1',
          channel: 'web',
          kind: 'fault',
          severity: 'general',
          summary: 's',
          policyId: 'p',
          policyVersion: 1,
          at: '2027-01-01T00:00:00Z',
        },
      })
      .thenFails('AT_IN_FUTURE', 'at');
  });

  it('may equal the last event, not precede it', () => {
    given(reported({ at: t(3) }))
      .when(acknowledge(t(3)))
      .then([acknowledged(t(3))]);
    const error = given(reported({ at: t(3) }))
      .when(acknowledge(t(2)))
      .thenFails('AT_BEFORE_LAST_EVENT', 'at');
    expect(error.message).toContain(t(3));
  });

  it('is compared with the latest fact: an alarm dated later never blocks a fact', () => {
    const laterAlarm = {
      type: 'SlaWarningReached',
      data: { metric: 'report', threshold: 0.5, dueAt: t(1470), policyVersion: 1, at: t(40) },
    } as const;
    given(...restoredHistory(), laterAlarm)
      .when({ type: 'CompleteRevisit', data: { by: 'd', outcome: 'o', at: t(35) } })
      .then([{ type: 'RevisitCompleted', data: { by: 'd', outcome: 'o', at: t(35) } }]);
    // The restore (the last fact) still bounds it.
    given(...restoredHistory(), laterAlarm)
      .when({ type: 'CompleteRevisit', data: { by: 'd', outcome: 'o', at: t(1) } })
      .thenFails('AT_BEFORE_LAST_EVENT');
  });

  it('an unparsable at is invalid input', () => {
    given(reported()).when(acknowledge('tomorrow')).thenFails('INVALID_INPUT', 'at');
    given(reported()).when(acknowledge('2026-11-25T10:00:00')).thenFails('INVALID_INPUT', 'at');
    given(reported())
      .when(acknowledge(12 as never))
      .thenFails('INVALID_INPUT', 'at');
  });

  it('a transition the state forbids is reported before a backdated time', () => {
    given(reported(), acknowledged(t(5)))
      .when(acknowledge(t(1)))
      .thenFails('INVALID_TRANSITION');
  });
});
