import {
  acknowledged,
  arrived,
  closed,
  dispatched,
  given,
  paused,
  reopened,
  reportFiled,
  reported,
  restored,
  t,
} from './testing/ticket-spec';

describe('AcknowledgeResponse', () => {
  it('acknowledges a reported ticket, with or without a note', () => {
    given(reported())
      .when({ type: 'AcknowledgeResponse', data: { by: 'desk-1', at: t(5) } })
      .then([acknowledged(t(5))]);
    given(reported())
      .when({ type: 'AcknowledgeResponse', data: { by: 'desk-1', note: 'called back', at: t(5) } })
      .then([{ type: 'ResponseAcknowledged', data: { by: 'desk-1', note: 'called back', at: t(5) } }]);
  });

  it('acknowledges a paused ticket too: the pause is about the customer, not the desk', () => {
    given(reported(), paused(t(2), 'awaiting-customer'))
      .when({ type: 'AcknowledgeResponse', data: { by: 'desk-1', at: t(5) } })
      .then([acknowledged(t(5))]);
  });

  it('acknowledges once', () => {
    const error = given(reported(), acknowledged())
      .when({ type: 'AcknowledgeResponse', data: { by: 'desk-2', at: t(6) } })
      .thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('is acknowledged');
  });

  it('does not acknowledge again after a reopen', () => {
    given(reported(), acknowledged(), restored(), reopened(t(60)))
      .when({ type: 'AcknowledgeResponse', data: { by: 'desk-1', at: t(61) } })
      .thenFails('INVALID_TRANSITION');
  });

  it('needs who acknowledged', () => {
    given(reported())
      .when({ type: 'AcknowledgeResponse', data: { by: '', at: t(5) } })
      .thenFails('INVALID_INPUT', 'by');
  });
});

describe('DispatchEngineer', () => {
  const dispatch = (engineerId: string, tier: 'onsite' | 'senior', at = t(10)) =>
    ({ type: 'DispatchEngineer', data: { engineerId, tier, at } }) as const;

  it('dispatches an engineer once the response is acknowledged', () => {
    given(reported(), acknowledged())
      .when(dispatch('e1', 'onsite'))
      .then([dispatched('e1', 'onsite')]);
  });

  it('sending a senior after an on-site engineer is an escalation', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'), arrived('e1', 'onsite'))
      .when(dispatch('s1', 'senior', t(40)))
      .then([dispatched('s1', 'senior', t(40), true)]);
  });

  it('a senior sent first, or a second on-site engineer, is not an escalation', () => {
    given(reported(), acknowledged())
      .when(dispatch('s1', 'senior'))
      .then([dispatched('s1', 'senior')]);
    given(reported(), acknowledged(), dispatched('e1', 'onsite'))
      .when(dispatch('e2', 'onsite', t(11)))
      .then([dispatched('e2', 'onsite', t(11))]);
  });

  it('refuses before the response is acknowledged', () => {
    const error = given(reported()).when(dispatch('e1', 'onsite')).thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('is reported');
  });

  it('refuses after service is restored, and after close', () => {
    given(reported(), acknowledged(), restored())
      .when(dispatch('e1', 'onsite', t(31)))
      .thenFails('INVALID_TRANSITION');
    given(reported(), acknowledged(), restored(), reportFiled(), closed())
      .when(dispatch('e1', 'onsite', t(51)))
      .thenFails('INVALID_TRANSITION');
  });

  it('refuses to send an engineer who is already on the way', () => {
    const error = given(reported(), acknowledged(), dispatched('e1', 'onsite'))
      .when(dispatch('e1', 'senior', t(12)))
      .thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('e1');
  });

  it('sends an engineer again once the earlier visit ended in an arrival', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'), arrived('e1', 'onsite'))
      .when(dispatch('e1', 'onsite', t(25)))
      .then([dispatched('e1', 'onsite', t(25))]);
  });

  it('after a reopen, an engineer who never arrived before the restore can be sent again', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'), restored(), reopened())
      .when(dispatch('e1', 'onsite', t(61)))
      .then([dispatched('e1', 'onsite', t(61))]);
  });

  it('refuses an unknown tier and a missing engineer', () => {
    given(reported(), acknowledged())
      .when({ type: 'DispatchEngineer', data: { engineerId: 'e1', tier: 'junior' as never } })
      .thenFails('INVALID_INPUT', 'tier');
    given(reported(), acknowledged())
      .when({ type: 'DispatchEngineer', data: { engineerId: '', tier: 'onsite' } })
      .thenFails('INVALID_INPUT', 'engineerId');
  });
});

describe('RecordArrival', () => {
  const arrive = (engineerId: string, at = t(20)) => ({ type: 'RecordArrival', data: { engineerId, at } }) as const;

  it('records the arrival of a dispatched engineer, with the tier of the dispatch', () => {
    given(reported(), acknowledged(), dispatched('s1', 'senior'))
      .when(arrive('s1'))
      .then([arrived('s1', 'senior')]);
  });

  it('refuses an engineer who was not dispatched', () => {
    const error = given(reported(), acknowledged(), dispatched('e1', 'onsite'))
      .when(arrive('e2'))
      .thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('e2');
  });

  it('refuses a second arrival for one dispatch', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'), arrived('e1', 'onsite'))
      .when(arrive('e1', t(21)))
      .thenFails('INVALID_TRANSITION');
  });

  it('refuses after service is restored, even for an engineer still on the way', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'), restored())
      .when(arrive('e1', t(31)))
      .thenFails('INVALID_TRANSITION');
  });

  it('after a reopen, an engineer stood down by the restore must be dispatched again first', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'), restored(), reopened())
      .when(arrive('e1', t(61)))
      .thenFails('INVALID_TRANSITION');
  });

  it('refuses a missing engineer id', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'))
      .when({ type: 'RecordArrival', data: { engineerId: undefined as never } })
      .thenFails('INVALID_INPUT', 'engineerId');
  });
});
