import type { ReportTicket, TicketCommand } from './ticket-commands';
import { NOW, acknowledged, given, reported, t } from './testing/ticket-spec';

const report = (overrides: Partial<ReportTicket['data']> = {}): ReportTicket => ({
  type: 'ReportTicket',
  data: {
    ticketId: 'T-1',
    customerId: 'C-1',
    channel: 'phone',
    kind: 'fault',
    severity: 'general',
    summary: 'server down',
    policyId: 'default',
    policyVersion: 1,
    at: t(0),
    ...overrides,
  },
});

describe('ReportTicket', () => {
  it('reports a new ticket with the policy the caller resolved', () => {
    given().when(report()).then([reported()]);
  });

  it('keeps the optional facts it was given and leaves the others out of the event', () => {
    const full = { assetId: 'A-9', category: 'storage', zone: 'suburban' as const, kind: 'inspection' as const };
    given()
      .when(report(full))
      .then([reported(full)]);
    const { decision } = given().when(report());
    if (!decision.ok) throw new Error(decision.error.message);
    expect(Object.keys(decision.events[0]!.data)).not.toEqual(expect.arrayContaining(['assetId']));
    expect(Object.keys(decision.events[0]!.data)).not.toEqual(expect.arrayContaining(['zone']));
  });

  it('dates the report now when no time is given', () => {
    const { at: _omitted, ...withoutAt } = report().data;
    given()
      .when({ type: 'ReportTicket', data: withoutAt })
      .then([reported({ at: NOW })]);
  });

  it('refuses to report a ticket that already exists', () => {
    given(reported()).when(report()).thenFails('TICKET_ALREADY_EXISTS', 'ticketId');
    given(reported(), acknowledged())
      .when(report({ at: t(10) }))
      .thenFails('TICKET_ALREADY_EXISTS');
  });

  it.each(['relocation', 'rebuild', 'inspection'] as const)('needs an asset for a %s', (kind) => {
    given().when(report({ kind })).thenFails('INVALID_INPUT', 'assetId');
    given()
      .when(report({ kind, assetId: 'A-1' }))
      .then([reported({ kind, assetId: 'A-1' })]);
  });

  it('does not need an asset for a fault or a consultation', () => {
    given()
      .when(report({ kind: 'consultation' }))
      .then([reported({ kind: 'consultation' })]);
  });

  it.each([
    ['ticketId', { ticketId: '' }],
    ['customerId', { customerId: '  ' }],
    ['channel', { channel: 'pigeon' }],
    ['kind', { kind: 'complaint' }],
    ['severity', { severity: 'critical' }],
    ['zone', { zone: 'rural' }],
    ['summary', { summary: undefined }],
    ['policyId', { policyId: '' }],
    ['policyVersion', { policyVersion: 0 }],
    ['policyVersion', { policyVersion: 1.5 }],
    ['assetId', { assetId: '' }],
    ['category', { category: 42 }],
  ])('refuses a bad %s', (field, overrides) => {
    given()
      .when(report(overrides as unknown as Partial<ReportTicket['data']>))
      .thenFails('INVALID_INPUT', field);
  });
});

describe('any command but ReportTicket on a ticket that does not exist', () => {
  const commands: TicketCommand[] = [
    { type: 'AcknowledgeResponse', data: { by: 'desk-1' } },
    { type: 'DispatchEngineer', data: { engineerId: 'e1', tier: 'onsite' } },
    { type: 'RecordArrival', data: { engineerId: 'e1' } },
    { type: 'PauseTicket', data: { reason: 'awaiting-parts' } },
    { type: 'ResumeTicket', data: {} },
    { type: 'ReprioritizeTicket', data: { severity: 'major', reason: 'x' } },
    { type: 'RestoreService', data: { by: 'e1', resolution: 'x' } },
    { type: 'FileReport', data: { faultType: 'a', cause: 'b', method: 'c', loss: 'd', by: 'e' } },
    { type: 'RateSatisfaction', data: { kind: 'product', score: 5 } },
    { type: 'CompleteRevisit', data: { by: 'e1', outcome: 'fine' } },
    { type: 'CloseTicket', data: { by: 'desk-1' } },
    { type: 'ReopenTicket', data: { reason: 'x' } },
  ];
  it.each(commands.map((command) => [command.type, command] as const))('%s is TICKET_NOT_FOUND', (_type, command) => {
    given().when(command).thenFails('TICKET_NOT_FOUND');
  });
});

describe('malformed commands', () => {
  it('refuses a command type it does not know', () => {
    given(reported())
      .when({ type: 'EscalateTicket', data: {} } as never)
      .thenFails('INVALID_INPUT', 'type');
  });

  it('refuses a command without data', () => {
    given(reported())
      .when({ type: 'CloseTicket' } as never)
      .thenFails('INVALID_INPUT', 'data');
  });

  it('refuses an unparsable now, which is a caller bug rather than a rule', () => {
    given().when(report(), 'noon').thenFails('INVALID_INPUT', 'now');
  });
});
