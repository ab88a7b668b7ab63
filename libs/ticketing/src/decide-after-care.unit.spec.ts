import {
  acknowledged,
  closed,
  given,
  reopened,
  reportFiled,
  reported,
  restoredHistory,
  t,
} from './testing/ticket-spec';

const rate = (kind: 'consultation' | 'onsite' | 'product', score: number, at = t(45), comment?: string) =>
  ({ type: 'RateSatisfaction', data: { kind, score, at, ...(comment ? { comment } : {}) } }) as const;
const revisit = (at = t(45)) =>
  ({ type: 'CompleteRevisit', data: { by: 'desk-2', outcome: 'working fine', at } }) as const;

describe('RateSatisfaction', () => {
  it('rates after restoration, with or without a comment', () => {
    given(...restoredHistory())
      .when(rate('onsite', 5))
      .then([{ type: 'SatisfactionRated', data: { kind: 'onsite', score: 5, at: t(45) } }]);
    given(...restoredHistory())
      .when(rate('product', 2, t(45), 'slow disk'))
      .then([{ type: 'SatisfactionRated', data: { kind: 'product', score: 2, comment: 'slow disk', at: t(45) } }]);
  });

  it('rates a closed ticket', () => {
    given(...restoredHistory(), reportFiled(), closed())
      .when(rate('consultation', 4, t(55)))
      .then([{ type: 'SatisfactionRated', data: { kind: 'consultation', score: 4, at: t(55) } }]);
  });

  it('refuses before restoration', () => {
    given(reported(), acknowledged())
      .when(rate('onsite', 5, t(6)))
      .thenFails('INVALID_TRANSITION');
  });

  const onsiteRated = { type: 'SatisfactionRated', data: { kind: 'onsite', score: 3, at: t(45) } } as const;

  it('rates once per kind, other kinds still open', () => {
    const error = given(...restoredHistory(), onsiteRated)
      .when(rate('onsite', 5, t(46)))
      .thenFails('INVALID_TRANSITION');
    expect(error.message).toContain('onsite');
    given(...restoredHistory(), onsiteRated)
      .when(rate('product', 5, t(46)))
      .then([{ type: 'SatisfactionRated', data: { kind: 'product', score: 5, at: t(46) } }]);
  });

  it('keeps "once per kind" across a reopen and a second restoration', () => {
    given(...restoredHistory(), onsiteRated, reopened(), {
      type: 'Restored',
      data: { by: 'e', resolution: 'r', at: t(70) },
    })
      .when(rate('onsite', 5, t(71)))
      .thenFails('INVALID_TRANSITION');
  });

  it('refuses while reopened', () => {
    given(...restoredHistory(), reopened())
      .when(rate('onsite', 5, t(61)))
      .thenFails('INVALID_TRANSITION');
  });

  it.each([0, 6, 3.5, '5', Number.NaN])('refuses the score %p', (score) => {
    given(...restoredHistory())
      .when(rate('onsite', score as number))
      .thenFails('INVALID_INPUT', 'score');
  });

  it('refuses an unknown kind', () => {
    given(...restoredHistory())
      .when(rate('delivery' as never, 5))
      .thenFails('INVALID_INPUT', 'kind');
  });
});

describe('CompleteRevisit', () => {
  it('records revisits after restoration, as many as happen', () => {
    const first = { type: 'RevisitCompleted', data: { by: 'desk-2', outcome: 'working fine', at: t(45) } } as const;
    given(...restoredHistory())
      .when(revisit())
      .then([first]);
    given(...restoredHistory(), first)
      .when(revisit(t(90)))
      .then([{ type: 'RevisitCompleted', data: { by: 'desk-2', outcome: 'working fine', at: t(90) } }]);
  });

  it('records a revisit of a closed ticket', () => {
    given(...restoredHistory(), reportFiled(), closed())
      .when(revisit(t(100)))
      .then([{ type: 'RevisitCompleted', data: { by: 'desk-2', outcome: 'working fine', at: t(100) } }]);
  });

  it('refuses before restoration', () => {
    given(reported(), acknowledged())
      .when(revisit(t(6)))
      .thenFails('INVALID_TRANSITION');
    given(...restoredHistory(), reopened())
      .when(revisit(t(61)))
      .thenFails('INVALID_TRANSITION');
  });

  it('needs who visited and what came of it', () => {
    given(...restoredHistory())
      .when({ type: 'CompleteRevisit', data: { by: 'desk-2', outcome: '' } })
      .thenFails('INVALID_INPUT', 'outcome');
  });
});
