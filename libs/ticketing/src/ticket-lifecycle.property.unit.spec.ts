import fc from 'fast-check';
import { MAX_CLOCK_SKEW_MS } from './business-time';
import { decide } from './decide';
import { evolve } from './evolve';
import { TICKET_ERROR_KINDS, type TicketErrorCode } from './ticket-errors';
import type { TicketCommand } from './ticket-commands';
import type { TicketEvent } from './ticket-events';
import { initialState, type TicketState } from './ticket-state';
import type { SatisfactionKind, Severity } from './ticket-vocabulary';
import { statusByRules } from './testing/lifecycle-model';

/**
 * Model-based property: random command sequences against a fixed `now`, with business times
 * that mostly move forward, or jump anywhere (backwards, into the future, garbage). Whatever
 * `decide` accepts must fold with `evolve` into the state it decided on, replay to the same
 * end state, and obey the lifecycle rules as a separate, deliberately naive model checks them.
 */
const NOW = '2026-11-25T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const START_MS = NOW_MS - 24 * 3_600_000;

type AtChoice =
  { mode: 'now' } | { mode: 'forward'; minutes: number } | { mode: 'anywhere'; ms: number } | { mode: 'garbage' };

type Step = { command: TicketCommand; at: AtChoice };

const engineer = fc.constantFrom('e1', 'e2');
const severity = fc.constantFrom<Severity>('general', 'major');
const name = fc.constantFrom('desk-1', 'eng-1', 'x');

const report = (assetRequired: boolean) =>
  fc.record({
    type: fc.constant('ReportTicket' as const),
    data: fc.record(
      {
        ticketId: fc.constant('T-1'),
        customerId: fc.constant('C-1'),
        assetId: fc.constant('A-1'),
        channel: fc.constantFrom('phone', 'fax', 'web', 'email', 'onsite'),
        kind: fc.constantFrom('fault', 'consultation', 'relocation', 'rebuild', 'inspection'),
        severity,
        summary: fc.constant('down'),
        policyId: fc.constant('default'),
        policyVersion: fc.constant(1),
      },
      {
        requiredKeys: [
          ...(assetRequired ? (['assetId'] as const) : []),
          ...([
            'ticketId',
            'customerId',
            'channel',
            'kind',
            'severity',
            'summary',
            'policyId',
            'policyVersion',
          ] as const),
        ],
      },
    ),
  });

// Weighted towards the commands that move a ticket forward, so sequences reach close and reopen.
const command: fc.Arbitrary<TicketCommand> = fc.oneof(
  { weight: 1, arbitrary: report(false) },
  fc.record({ type: fc.constant('AcknowledgeResponse' as const), data: fc.record({ by: name }) }),
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('DispatchEngineer' as const),
      data: fc.record({ engineerId: engineer, tier: fc.constantFrom('onsite', 'senior') }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant('RecordArrival' as const), data: fc.record({ engineerId: engineer }) }),
  },
  fc.record({
    type: fc.constant('PauseTicket' as const),
    data: fc.record({ reason: fc.constantFrom('awaiting-customer', 'awaiting-parts') }),
  }),
  fc.record({ type: fc.constant('ResumeTicket' as const), data: fc.constant({}) }),
  fc.record({
    type: fc.constant('ReprioritizeTicket' as const),
    data: fc.record({ severity, reason: fc.constant('because') }),
  }),
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('RestoreService' as const),
      data: fc.record({ by: name, resolution: fc.constant('fixed') }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('FileReport' as const),
      data: fc.record({ faultType: name, cause: name, method: name, loss: name, by: name }),
    }),
  },
  fc.record({
    type: fc.constant('RateSatisfaction' as const),
    data: fc.record({
      kind: fc.constantFrom<SatisfactionKind>('consultation', 'onsite', 'product'),
      score: fc.integer({ min: 0, max: 6 }),
    }),
  }),
  fc.record({
    type: fc.constant('CompleteRevisit' as const),
    data: fc.record({ by: name, outcome: fc.constant('ok') }),
  }),
  { weight: 2, arbitrary: fc.record({ type: fc.constant('CloseTicket' as const), data: fc.record({ by: name }) }) },
  fc.record({ type: fc.constant('ReopenTicket' as const), data: fc.record({ reason: fc.constant('again') }) }),
);

const forwardAt: fc.Arbitrary<AtChoice> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<AtChoice>({ mode: 'now' }) },
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 20 }).map<AtChoice>((minutes) => ({ mode: 'forward', minutes })) },
);
const anyAt: fc.Arbitrary<AtChoice> = fc.oneof(
  { weight: 6, arbitrary: forwardAt },
  fc
    .integer({ min: START_MS - 3_600_000, max: NOW_MS + 2 * MAX_CLOCK_SKEW_MS })
    .map<AtChoice>((ms) => ({ mode: 'anywhere', ms })),
  fc.constant<AtChoice>({ mode: 'garbage' }),
);

const reportFirst: fc.Arbitrary<Step> = report(true).map((c) => ({ command: c, at: { mode: 'forward', minutes: 0 } }));
const sequence = (at: fc.Arbitrary<AtChoice>) =>
  fc
    .tuple(
      // Usually a valid report first; sometimes none, so commands meet a ticket that does not exist.
      fc.option(reportFirst, { freq: 10 }),
      fc.array(fc.record({ command, at }), { minLength: 5, maxLength: 80, size: 'max' }),
    )
    .map(([first, rest]) => (first ? [first, ...rest] : rest));

type Run = { accepted: TicketEvent[]; final: TicketState; errors: TicketErrorCode[] };

function run(steps: Step[]): Run {
  let cursor = START_MS;
  let state = initialState();
  const accepted: TicketEvent[] = [];
  const errors: TicketErrorCode[] = [];
  const decidedOn: { eventCount: number; state: TicketState }[] = [];
  for (const step of steps) {
    const at = resolveAt(step.at, cursor);
    if (step.at.mode === 'forward') cursor += step.at.minutes * 60_000;
    const cmd = {
      ...step.command,
      data: { ...step.command.data, ...(at === undefined ? {} : { at }) },
    } as TicketCommand;
    decidedOn.push({ eventCount: accepted.length, state });

    const decision = decide(cmd, deepFreeze(state), NOW);
    // decide sees only plain data: the same state after a JSON round trip decides the same.
    expect(decide(cmd, JSON.parse(JSON.stringify(state)) as TicketState, NOW)).toEqual(decision);
    if (!decision.ok) {
      expect(decision.error.kind).toBe(TICKET_ERROR_KINDS[decision.error.code]);
      errors.push(decision.error.code);
      continue;
    }
    expect(decision.events.length).toBeGreaterThan(0);
    for (const event of decision.events) {
      state = evolve(state, event);
      accepted.push(event);
    }
  }
  // Every state decide worked on is the fold of the events accepted before it.
  for (const { eventCount, state: seen } of decidedOn) {
    expect(accepted.slice(0, eventCount).reduce(evolve, initialState())).toEqual(seen);
  }
  return { accepted, final: state, errors };
}

function resolveAt(choice: AtChoice, cursor: number): string | undefined {
  switch (choice.mode) {
    case 'now':
      return undefined;
    case 'forward':
      return new Date(cursor + choice.minutes * 60_000).toISOString();
    case 'anywhere':
      return new Date(choice.ms).toISOString();
    case 'garbage':
      return 'soon';
    default: {
      const _never: never = choice;
      return _never;
    }
  }
}

const LIFECYCLE = [
  'EngineerArrived',
  'TicketResumed',
  'ReportFiled',
  'TicketClosed',
  'TicketReopened',
  'SatisfactionRated',
];

describe('the ticket lifecycle, over random command sequences', () => {
  it.each([
    ['business times that move forward', forwardAt, [...LIFECYCLE, 'INVALID_TRANSITION', 'TICKET_ALREADY_EXISTS']],
    [
      'business times anywhere, including the past, the future and garbage',
      anyAt,
      [...LIFECYCLE, 'INVALID_TRANSITION', 'AT_BEFORE_LAST_EVENT', 'AT_IN_FUTURE', 'INVALID_INPUT', 'TICKET_NOT_FOUND'],
    ],
  ] as const)('accepted events replay to the decided states and obey every rule, with %s', (_label, at, mustReach) => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(sequence(at), (steps) => {
        const { accepted, final, errors } = run(steps);
        const replayed = accepted.reduce(evolve, initialState());
        expect(replayed).toEqual(final);
        expect(JSON.parse(JSON.stringify(final))).toEqual(final);
        expect(final.version).toBe(accepted.length - 1);
        expect(final.status).toBe(statusByRules(accepted, NOW_MS));
        for (const event of accepted) reached.add(event.type);
        for (const code of errors) reached.add(code);
      }),
      { numRuns: 200 },
    );
    // The generators must reach deep into the lifecycle, or the property above says little.
    expect(mustReach.filter((what) => !reached.has(what))).toEqual([]);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
