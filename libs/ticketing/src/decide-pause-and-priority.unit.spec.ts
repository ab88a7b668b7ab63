import type { TicketEvent } from './ticket-events';
import {
  acknowledged,
  closed,
  given,
  paused,
  reportFiled,
  reported,
  restored,
  resumed,
  t,
} from './testing/ticket-spec';

const pause = (reason: 'awaiting-customer' | 'awaiting-parts', at = t(15)) =>
  ({ type: 'PauseTicket', data: { reason, at } }) as const;
const resume = (at = t(25)) => ({ type: 'ResumeTicket', data: { at } }) as const;
const reprioritize = (severity: 'general' | 'major', at = t(12)) =>
  ({ type: 'ReprioritizeTicket', data: { severity, reason: 'whole floor affected', at } }) as const;

describe('PauseTicket', () => {
  it.each([
    ['reported', [reported()]],
    ['acknowledged', [reported(), acknowledged()]],
  ] as [string, TicketEvent[]][])('pauses an open %s ticket', (_status, history) => {
    given(...history)
      .when(pause('awaiting-customer'))
      .then([paused(t(15), 'awaiting-customer')]);
  });

  it('refuses a ticket that is already paused', () => {
    const error = given(reported(), acknowledged(), paused())
      .when(pause('awaiting-customer', t(16)))
      .thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('paused (awaiting-parts');
  });

  it('refuses a restored or closed ticket', () => {
    given(reported(), acknowledged(), restored())
      .when(pause('awaiting-parts', t(31)))
      .thenFails('INVALID_TRANSITION');
    given(reported(), acknowledged(), restored(), reportFiled(), closed())
      .when(pause('awaiting-parts', t(51)))
      .thenFails('INVALID_TRANSITION');
  });

  it('accepts only the known reasons', () => {
    given(reported())
      .when({ type: 'PauseTicket', data: { reason: 'lunch' as never } })
      .thenFails('INVALID_INPUT', 'reason');
  });
});

describe('ResumeTicket', () => {
  it('resumes a paused ticket', () => {
    given(reported(), acknowledged(), paused()).when(resume()).then([resumed()]);
  });

  it('pauses again after a resume', () => {
    given(reported(), acknowledged(), paused(), resumed())
      .when(pause('awaiting-customer', t(26)))
      .then([paused(t(26), 'awaiting-customer')]);
  });

  it('refuses a ticket that is not paused', () => {
    given(reported(), acknowledged()).when(resume()).thenFails('INVALID_TRANSITION');
    given(reported(), acknowledged(), paused(), resumed())
      .when(resume(t(26)))
      .thenFails('INVALID_TRANSITION');
  });
});

describe('ReprioritizeTicket', () => {
  it('changes the severity of an open ticket, recording where it came from', () => {
    given(reported(), acknowledged())
      .when(reprioritize('major'))
      .then([
        {
          type: 'TicketReprioritized',
          data: { from: 'general', to: 'major', reason: 'whole floor affected', at: t(12) },
        },
      ]);
    given(reported({ severity: 'major' }))
      .when(reprioritize('general', t(1)))
      .then([
        {
          type: 'TicketReprioritized',
          data: { from: 'major', to: 'general', reason: 'whole floor affected', at: t(1) },
        },
      ]);
  });

  it('reprioritizes a paused ticket as well', () => {
    given(reported(), acknowledged(), paused())
      .when(reprioritize('major', t(16)))
      .then([
        {
          type: 'TicketReprioritized',
          data: { from: 'general', to: 'major', reason: 'whole floor affected', at: t(16) },
        },
      ]);
  });

  it('refuses the severity the ticket already has', () => {
    const error = given(reported(), acknowledged()).when(reprioritize('general')).thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('already general');
  });

  it('refuses a restored or closed ticket', () => {
    given(reported(), acknowledged(), restored())
      .when(reprioritize('major', t(31)))
      .thenFails('INVALID_TRANSITION');
    given(reported(), acknowledged(), restored(), reportFiled(), closed())
      .when(reprioritize('major', t(51)))
      .thenFails('INVALID_TRANSITION');
  });

  it('needs a known severity and a reason', () => {
    given(reported())
      .when({ type: 'ReprioritizeTicket', data: { severity: 'urgent' as never, reason: 'x' } })
      .thenFails('INVALID_INPUT', 'severity');
    given(reported())
      .when({ type: 'ReprioritizeTicket', data: { severity: 'major', reason: '' } })
      .thenFails('INVALID_INPUT', 'reason');
  });
});
