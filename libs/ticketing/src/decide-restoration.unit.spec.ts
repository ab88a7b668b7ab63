import type { TicketEvent } from './ticket-events';
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
  restoredHistory,
  resumed,
  t,
} from './testing/ticket-spec';

const restore = (at = t(30)) =>
  ({ type: 'RestoreService', data: { by: 'eng-1', resolution: 'replaced the disk', at } }) as const;
const fileReport = (at = t(40)) =>
  ({
    type: 'FileReport',
    data: { faultType: 'hardware', cause: 'disk wear', method: 'replacement', loss: 'none', by: 'eng-1', at },
  }) as const;
const close = (at = t(50)) => ({ type: 'CloseTicket', data: { by: 'desk-1', at } }) as const;
const reopen = (at = t(60)) => ({ type: 'ReopenTicket', data: { reason: 'fault is back', at } }) as const;

describe('RestoreService', () => {
  it('restores after an on-site visit', () => {
    given(reported(), acknowledged(), dispatched('e1', 'onsite'), arrived('e1', 'onsite'))
      .when(restore())
      .then([restored()]);
  });

  it('needs no dispatch: a fault fixed remotely, or a consultation answered', () => {
    given(reported(), acknowledged()).when(restore()).then([restored()]);
    given(reported({ kind: 'consultation' }), acknowledged())
      .when(restore())
      .then([restored()]);
  });

  it('resumes a paused ticket first, so its clocks are whole', () => {
    given(reported(), acknowledged(), paused())
      .when(restore())
      .then([resumed(t(30)), restored(t(30))]);
  });

  it('refuses before the response is acknowledged', () => {
    given(reported()).when(restore()).thenFails('INVALID_TRANSITION');
  });

  it('restores once', () => {
    given(...restoredHistory())
      .when(restore(t(31)))
      .thenFails('INVALID_TRANSITION');
    given(...restoredHistory(), reportFiled(), closed())
      .when(restore(t(51)))
      .thenFails('INVALID_TRANSITION');
  });

  it('restores again after a reopen', () => {
    given(...restoredHistory(), reopened())
      .when(restore(t(70)))
      .then([restored(t(70))]);
  });

  it('needs who restored and how', () => {
    given(reported(), acknowledged())
      .when({ type: 'RestoreService', data: { by: 'eng-1', resolution: ' ' } })
      .thenFails('INVALID_INPUT', 'resolution');
    given(reported(), acknowledged())
      .when({ type: 'RestoreService', data: { by: '', resolution: 'x' } })
      .thenFails('INVALID_INPUT', 'by');
  });
});

describe('FileReport', () => {
  it('files the incident report after restoration', () => {
    given(...restoredHistory())
      .when(fileReport())
      .then([reportFiled()]);
  });

  it('lets a consultation file one although it does not need to', () => {
    given(reported({ kind: 'consultation' }), acknowledged(), restored())
      .when(fileReport())
      .then([reportFiled()]);
  });

  it('refuses before restoration', () => {
    const error = given(reported(), acknowledged()).when(fileReport()).thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('after service is restored');
  });

  it('files once per restoration', () => {
    given(...restoredHistory(), reportFiled())
      .when(fileReport(t(41)))
      .thenFails('INVALID_TRANSITION');
    given(...restoredHistory(), reportFiled(), reopened(), restored(t(70)))
      .when(fileReport(t(80)))
      .then([reportFiled(t(80))]);
  });

  it('refuses on a closed ticket', () => {
    given(reported({ kind: 'consultation' }), acknowledged(), restored(), closed())
      .when(fileReport(t(51)))
      .thenFails('INVALID_TRANSITION');
  });

  it.each(['faultType', 'cause', 'method', 'loss', 'by'])('needs %s', (field) => {
    const command = fileReport();
    given(...restoredHistory())
      .when({ ...command, data: { ...command.data, [field]: '' } })
      .thenFails('INVALID_INPUT', field);
  });
});

describe('CloseTicket', () => {
  it.each(['fault', 'relocation', 'rebuild', 'inspection'] as const)('closes a %s after its report', (kind) => {
    given(reported({ kind, assetId: 'A-1' }), acknowledged(), restored(), reportFiled())
      .when(close())
      .then([closed()]);
  });

  it.each(['fault', 'inspection'] as const)('refuses to close a %s whose report is not filed', (kind) => {
    const error = given(reported({ kind, assetId: 'A-1' }), acknowledged(), restored())
      .when(close())
      .thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('incident report');
  });

  it('closes a consultation straight after restoration', () => {
    given(reported({ kind: 'consultation' }), acknowledged(), restored())
      .when(close())
      .then([closed()]);
  });

  it('refuses an open ticket, even a consultation', () => {
    given(reported({ kind: 'consultation' }), acknowledged())
      .when(close())
      .thenFails('INVALID_TRANSITION');
    given(reported()).when(close()).thenFails('INVALID_TRANSITION');
  });

  it('closes once', () => {
    given(...restoredHistory(), reportFiled(), closed())
      .when(close(t(51)))
      .thenFails('INVALID_TRANSITION');
  });

  it('resumes first when the history has a pause still running', () => {
    // decide never lets a pause outlive a restoration, but an imported or repaired stream
    // might; the close must still leave the clocks resumed.
    given(reported({ kind: 'consultation' }), acknowledged(), restored(), paused(t(35)))
      .when(close())
      .then([resumed(t(50)), closed(t(50))]);
  });

  it('refuses to close a ticket reopened after its report until it is restored and reported again', () => {
    const history: TicketEvent[] = [...restoredHistory(), reportFiled(), reopened()];
    given(...history)
      .when(close(t(61)))
      .thenFails('INVALID_TRANSITION');
    given(...history, restored(t(70)))
      .when(close(t(71)))
      .thenFails('INVALID_TRANSITION');
    given(...history, restored(t(70)), reportFiled(t(71)))
      .when(close(t(72)))
      .then([closed(t(72))]);
  });

  it('needs who closed it', () => {
    given(...restoredHistory(), reportFiled())
      .when({ type: 'CloseTicket', data: { by: '' } })
      .thenFails('INVALID_INPUT', 'by');
  });
});

describe('ReopenTicket', () => {
  it('reopens a restored ticket and a closed one', () => {
    given(...restoredHistory())
      .when(reopen())
      .then([reopened()]);
    given(...restoredHistory(), reportFiled(), closed())
      .when(reopen())
      .then([reopened()]);
  });

  it('refuses an open ticket', () => {
    const error = given(reported(), acknowledged()).when(reopen()).thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('restored or closed');
    given(reported()).when(reopen()).thenFails('INVALID_TRANSITION');
  });

  it('refuses to reopen twice without a new restoration', () => {
    given(...restoredHistory(), reopened())
      .when(reopen(t(61)))
      .thenFails('INVALID_TRANSITION');
  });

  it('needs a reason', () => {
    given(...restoredHistory())
      .when({ type: 'ReopenTicket', data: { reason: '' } })
      .thenFails('INVALID_INPUT', 'reason');
  });
});
