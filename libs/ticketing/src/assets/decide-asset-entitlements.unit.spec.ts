import type { ConsumeEntitlement } from './asset-commands';
import { consumed, given, inspected, on, registered } from './testing/asset-spec';

const consume = (entitlement: ConsumeEntitlement['data']['entitlement'], ticketId: string, at: string): ConsumeEntitlement => ({
  type: 'ConsumeEntitlement',
  data: { entitlement, ticketId, at },
});

describe('ConsumeEntitlement: relocation and rebuild', () => {
  it('uses one unit per ticket', () => {
    given(registered()).when(consume('relocation', 'T-1', on('2026-01-05'))).then([consumed('relocation', 'T-1', on('2026-01-05'))]);
    given(registered()).when(consume('rebuild', 'T-1', on('2026-01-05'))).then([consumed('rebuild', 'T-1', on('2026-01-05'))]);
  });

  it('refuses when none is left, naming how many were granted', () => {
    const error = given(registered(), consumed('relocation', 'T-1', on('2026-01-05')))
      .when(consume('relocation', 'T-2', on('2026-01-06')))
      .thenFails('ENTITLEMENT_EXHAUSTED', 'entitlement');
    expect(error.message).toContain('1 of 1');
    given(registered({ entitlements: { relocation: 0, rebuild: 0, inspectionsPerYear: 0 } }))
      .when(consume('rebuild', 'T-1', on('2026-01-05')))
      .thenFails('ENTITLEMENT_EXHAUSTED');
  });

  it('is not limited to the coverage period (a counted entitlement of the asset)', () => {
    given(registered()).when(consume('rebuild', 'T-1', on('2030-12-01'))).then([consumed('rebuild', 'T-1', on('2030-12-01'))]);
  });

  it('is idempotent per ticket: the same ticket and entitlement again appends nothing, even with its old at', () => {
    given(registered(), consumed('relocation', 'T-1', on('2026-01-05')), inspected('2026-02-01'))
      .when(consume('relocation', 'T-1', on('2026-01-05')))
      .then([]);
  });

  it('refuses the same ticket for another entitlement', () => {
    given(registered(), consumed('relocation', 'T-1', on('2026-01-05')))
      .when(consume('rebuild', 'T-1', on('2026-01-06')))
      .thenFails('ALREADY_CONSUMED', 'ticketId');
  });

  it('refuses an unknown entitlement or no ticket', () => {
    given(registered()).when(consume('repaint' as never, 'T-1', on('2026-01-05'))).thenFails('INVALID_INPUT', 'entitlement');
    given(registered()).when(consume('rebuild', '', on('2026-01-05'))).thenFails('INVALID_INPUT', 'ticketId');
  });
});

describe('ConsumeEntitlement: the yearly inspection', () => {
  it('uses the inspection of the coverage year of the ticket local date', () => {
    given(registered()).when(consume('inspection', 'T-1', on('2026-06-30'))).then([consumed('inspection', 'T-1', on('2026-06-30'), 1)]);
    // 2026-06-30T16:00Z is 2026-07-01 in Shanghai: the second year
    given(registered())
      .when(consume('inspection', 'T-1', '2026-06-30T16:00:00.000Z'))
      .then([consumed('inspection', 'T-1', '2026-06-30T16:00:00.000Z', 2)]);
  });

  it('refuses a second one in the same year, counting recorded inspections', () => {
    given(registered(), consumed('inspection', 'T-1', on('2025-08-01'), 1))
      .when(consume('inspection', 'T-2', on('2026-06-01')))
      .thenFails('ENTITLEMENT_EXHAUSTED', 'entitlement');
    const error = given(registered(), inspected('2026-02-01'))
      .when(consume('inspection', 'T-2', on('2026-06-01')))
      .thenFails('ENTITLEMENT_EXHAUSTED');
    expect(error.message).toContain('coverage year 1 (2025-07-01 to 2026-06-30)');
  });

  it('grants a new one in the next year', () => {
    given(registered(), consumed('inspection', 'T-1', on('2025-08-01'), 1))
      .when(consume('inspection', 'T-2', on('2026-07-02')))
      .then([consumed('inspection', 'T-2', on('2026-07-02'), 2)]);
  });

  it('grants none before coverage starts or after it ends', () => {
    given(registered({ at: on('2025-06-01') })).when(consume('inspection', 'T-1', on('2025-06-30'))).thenFails('ENTITLEMENT_EXHAUSTED');
    given(registered()).when(consume('inspection', 'T-1', on('2030-07-01'))).thenFails('ENTITLEMENT_EXHAUSTED');
  });
});
