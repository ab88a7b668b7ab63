import { expect } from '@jest/globals';
import type { TicketEvent } from '../../ticket-events';
import type { HistoryEntry } from '../clock-timeline';
import { evaluateClocks, type SlaClock } from '../clocks';
import type { SlaMetric, SlaPolicy } from '../sla-policy';

/** The IT support plan of the seed documents, 24x7, with a shorter major response for the tests. */
export const IT_PLAN: SlaPolicy = {
  id: 'it-support-plan',
  version: 1,
  calendar: { kind: '24x7' },
  warningThresholds: [0.5, 0.75],
  targets: {
    general: { response: 'PT30M', onsiteResolution: 'PT1H', seniorArrival: 'PT2H', restoration: 'PT8H', report: 'PT24H' },
    major: { response: 'PT15M', onsiteResolution: 'PT1H', seniorArrival: 'PT2H', restoration: 'PT4H', report: 'PT24H' },
  },
  consultationAverage: 'PT6M',
  satisfactionTargets: { consultation: 0.98, onsite: 0.95, product: 0.95 },
};

/** The dealer agreement: arrival within 2 h in town, 4 h in the suburbs. */
export const DEALER_SERVICE: SlaPolicy = {
  ...IT_PLAN,
  id: 'dealer-service',
  targets: {
    general: { response: 'PT30M', arrival: { urban: 'PT2H', suburban: 'PT4H' }, restoration: 'PT8H', report: 'PT24H' },
    major: { response: 'PT30M', arrival: { urban: 'PT2H', suburban: 'PT4H' }, restoration: 'PT8H', report: 'PT24H' },
  },
};

/** Events as a stored stream: revision 0, 1, 2, ... */
export function history(...events: TicketEvent[]): HistoryEntry[] {
  return events.map((event, revision) => ({ revision, event }));
}

/** Given these events, when the clocks are read at `now` under `policy`. */
export function clocksAt(now: string, policy: SlaPolicy, ...events: TicketEvent[]) {
  const clocks = evaluateClocks(history(...events), policy, now);
  return {
    clocks,
    metrics: clocks.map((clock) => clock.metric),
    clock(metric: SlaMetric): SlaClock {
      const found = clocks.find((clock) => clock.metric === metric);
      expect(found).toBeDefined();
      return found!;
    },
  };
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;
