import fc from 'fast-check';
import type { AssetCommand } from './asset-commands';
import type { AssetEvent } from './asset-events';
import { initialAssetState, usedCount, type AssetState } from './asset-state';
import { coverageYears } from './coverage';
import { decideAsset } from './decide-asset';
import { evolveAsset } from './evolve-asset';
import { entitlementsOf, inspectionsDue } from './inspections';
import { dateOfDay, dayNumber } from './calendar-date';
import { shippedPolicy } from './testing/asset-spec';

/**
 * Random command sequences over several years of business time (mostly forward, sometimes
 * backwards or garbage) against a fixed `now`. Whatever `decideAsset` accepts must fold into the
 * state it decides on next, replay to the same state, and never hand out more than was granted.
 */
const NOW = '2032-01-01T00:00:00.000Z';
const START_MS = Date.parse('2025-06-01T00:00:00.000Z');
const DAY = 86_400_000;

const ticket = fc.constantFrom('T-1', 'T-2', 'T-3', 'T-4');
const category = fc.constantFrom('waterproofing', 'other', 'tiles');
const date = fc.integer({ min: dayNumber('2025-05-01'), max: dayNumber('2032-02-01') }).map(dateOfDay);
const policy = fc.constantFrom(shippedPolicy('retail-repair'), shippedPolicy('dealer-service'));
const facts = fc.record({
  cause: fc.constantFrom('product', 'customer'),
  damage: fc.constantFrom('quality-defect', 'weld-break', 'lost-stones', 'fading', 'other'),
  specialPrice: fc.boolean(),
  soldByUs: fc.boolean(),
  lostStones: fc.record({ small: fc.nat(5), large: fc.nat(5) }),
  materialCost: fc.nat(100),
});

const register = fc.record({
    type: fc.constant('RegisterAsset' as const),
    data: fc.record({
      assetId: fc.constant('A-1'),
      customerId: fc.constant('C-1'),
      name: fc.constant('fit-out'),
      kind: fc.constant('renovation'),
      acceptedAt: fc.constantFrom('2025-06-30', '2025-01-31', '2024-02-28'),
      coverages: fc.constantFrom(
        [{ category: 'waterproofing', years: 5 }, { category: 'other', years: 2 }],
        [{ category: 'other', months: 18 }],
      ),
      entitlements: fc.record({ relocation: fc.nat(2), rebuild: fc.nat(2), inspectionsPerYear: fc.nat(2) }),
    }),
  }) as fc.Arbitrary<AssetCommand>;

const command: fc.Arbitrary<AssetCommand> = fc.oneof(
  register,
  fc.record({
    type: fc.constant('ExtendCoverage' as const),
    data: fc.record({ category, months: fc.integer({ min: 1, max: 30 }), approvedBy: fc.constant('m'), reason: fc.constant('r') }),
  }),
  fc.record({ type: fc.constant('RecordDeposit' as const), data: fc.record({ kind: fc.constantFrom('recovery', 'payment'), amount: fc.integer({ min: 1, max: 9999 }) }) }),
  fc.record({
    type: fc.constant('RecordInspection' as const),
    data: fc.record({ inspectedOn: date, by: fc.constant('e'), report: fc.constant('ok'), ticketId: ticket }, { requiredKeys: ['inspectedOn', 'by', 'report'] }),
  }),
  fc.record({ type: fc.constant('PlanRevisit' as const), data: fc.record({ dueOn: date, purpose: fc.constantFrom('a', 'b') }) }),
  fc.record({
    type: fc.constant('CompleteAssetRevisit' as const),
    data: fc.record({ plannedDueOn: date, by: fc.constant('d'), outcome: fc.constant('ok') }, { requiredKeys: ['by', 'outcome'] }),
  }),
  fc.record({ type: fc.constant('ConsumeEntitlement' as const), data: fc.record({ entitlement: fc.constantFrom('relocation', 'rebuild', 'inspection'), ticketId: ticket }) }),
  fc.record({ type: fc.constant('RecordRepair' as const), data: fc.record({ ticketId: ticket, category, reportedAt: date.map((d) => `${d}T20:00:00Z`) }) }),
  fc.record({ type: fc.constant('AssessRepair' as const), data: fc.record({ ticketId: ticket, policy, facts }) }),
) as fc.Arbitrary<AssetCommand>;

type AtChoice = { mode: 'forward'; days: number } | { mode: 'anywhere'; days: number } | { mode: 'garbage' };
const atChoice: fc.Arbitrary<AtChoice> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ mode: fc.constant('forward' as const), days: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ mode: fc.constant('anywhere' as const), days: fc.integer({ min: -100, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.constant({ mode: 'garbage' as const }) },
);

describe('asset decider (property)', () => {
  it('folds what it accepts, replays to the same state, and never hands out more than was granted', () => {
    const accepted = new Map<string, number>();
    // Most histories start with a registration; some never have one, or try a second.
    const first = fc.oneof(
      { weight: 9, arbitrary: fc.tuple(register, atChoice).map((step) => [step]) },
      { weight: 1, arbitrary: fc.constant([] as [AssetCommand, AtChoice][]) },
    );
    fc.assert(
      fc.property(first, fc.array(fc.tuple(command, atChoice), { minLength: 5, maxLength: 40 }), (start, rest) => {
        const steps = [...start, ...rest];
        let state: AssetState = initialAssetState();
        let clock = START_MS;
        const history: AssetEvent[] = [];
        for (const [cmd, choice] of steps) {
          let at: string;
          if (choice.mode === 'garbage') at = 'not a time';
          else if (choice.mode === 'forward') at = new Date((clock += choice.days * DAY)).toISOString();
          else at = new Date(START_MS + choice.days * DAY).toISOString();
          const decision = decideAsset({ ...cmd, data: { ...cmd.data, at } } as AssetCommand, state, NOW);
          if (!decision.ok) {
            expect(decision.error.message.length).toBeGreaterThan(0);
            continue;
          }
          for (const event of decision.events) {
            state = evolveAsset(state, event);
            accepted.set(event.type, (accepted.get(event.type) ?? 0) + 1);
          }
          history.push(...decision.events);
        }
        expect(history.reduce(evolveAsset, initialAssetState())).toEqual(state);
        if (state.status === 'none') return;
        for (const entitlement of ['relocation', 'rebuild'] as const) {
          expect(usedCount(state, entitlement)).toBeLessThanOrEqual(state.entitlements[entitlement]);
        }
        for (const year of coverageYears(state)) {
          const used = state.consumptions.filter((c) => c.entitlement === 'inspection' && c.year === year.year).length;
          expect(used).toBeLessThanOrEqual(state.entitlements.inspectionsPerYear);
        }
        expect(new Set(state.consumptions.map((c) => c.ticketId)).size).toBe(state.consumptions.length);
        expect(new Set(state.repairs.map((r) => r.ticketId)).size).toBe(state.repairs.length);
        for (const day of ['2025-07-01', '2026-12-31', '2030-06-30', '2031-06-01']) {
          const balances = entitlementsOf(state, day);
          for (const balance of [balances.relocation, balances.rebuild, balances.inspection]) {
            expect(balance.remaining).toBeGreaterThanOrEqual(0);
            expect(balance.remaining).toBe(Math.max(0, balance.granted - balance.used));
          }
          for (const year of inspectionsDue(state, day).years) expect(year.remaining).toBeGreaterThanOrEqual(0);
        }
        for (const coverage of state.coverages) expect(coverage.end >= coverage.start).toBe(true);
      }),
      { numRuns: 300 },
    );
    // The generators reach every event, so the checks above are not vacuous.
    expect([...accepted.keys()].sort()).toEqual([
      'AssetRegistered', 'CoverageExtended', 'DepositRecorded', 'EntitlementConsumed', 'InspectionRecorded',
      'RepairAssessed', 'RepairRecorded', 'RevisitDone', 'RevisitPlanned',
    ]);
  });
});
