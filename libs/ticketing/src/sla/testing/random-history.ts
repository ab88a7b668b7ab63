import fc from 'fast-check';
import { decide } from '../../decide';
import { evolve } from '../../evolve';
import type { TicketCommand } from '../../ticket-commands';
import type { TicketEvent } from '../../ticket-events';
import { initialState, type TicketState } from '../../ticket-state';
import type { Severity } from '../../ticket-vocabulary';
import type { SlaPolicy } from '../sla-policy';
import { SHANGHAI_OFFICE } from './calendars';
import { IT_PLAN } from './clock-spec';

/** Where random histories start, as epoch ms and as its ISO form. */
export const START_MS = Date.parse('2026-11-25T10:00:00.000Z');
export const iso = (ms: number) => new Date(ms).toISOString();
/** A moment up to three days after an event, in minutes. */
export const later = fc.integer({ min: 0, max: 3 * 24 * 60 });
/** The policies random histories are judged under: round the clock, and on business hours. */
export const policies: [string, SlaPolicy][] = [
  ['24x7', IT_PLAN],
  ['Shanghai business hours', { ...IT_PLAN, calendar: SHANGHAI_OFFICE }],
];

/** A command (without its `at`) and the minutes of business time before it. */
export type Step = Readonly<{ minutes: number; command: TicketCommand }>;

const engineer = fc.constantFrom('e1', 'e2');
const severity = fc.constantFrom<Severity>('general', 'major');

const command: fc.Arbitrary<TicketCommand> = fc.oneof(
  fc.constant<TicketCommand>({ type: 'AcknowledgeResponse', data: { by: 'desk' } }),
  fc
    .record({ engineerId: engineer, tier: fc.constantFrom('onsite' as const, 'senior' as const) })
    .map<TicketCommand>((data) => ({ type: 'DispatchEngineer', data })),
  engineer.map<TicketCommand>((engineerId) => ({ type: 'RecordArrival', data: { engineerId } })),
  fc.constant<TicketCommand>({ type: 'PauseTicket', data: { reason: 'awaiting-parts' } }),
  fc.constant<TicketCommand>({ type: 'ResumeTicket', data: {} }),
  severity.map<TicketCommand>((to) => ({ type: 'ReprioritizeTicket', data: { severity: to, reason: 'x' } })),
  fc.constant<TicketCommand>({ type: 'RestoreService', data: { by: 'eng', resolution: 'fixed' } }),
  fc.constant<TicketCommand>({
    type: 'FileReport',
    data: { faultType: 'hw', cause: 'wear', method: 'swap', loss: 'none', by: 'eng' },
  }),
  fc.constant<TicketCommand>({ type: 'CloseTicket', data: { by: 'desk' } }),
  fc.constant<TicketCommand>({ type: 'ReopenTicket', data: { reason: 'again' } }),
);

/** A fault report and up to 40 later commands, minutes apart (up to a day, often less). */
export const faultSteps: fc.Arbitrary<{ report: TicketCommand; steps: Step[] }> = fc.record({
  report: fc
    .record({ severity, zone: fc.constantFrom(undefined, 'urban' as const, 'suburban' as const) })
    .map<TicketCommand>(({ severity: s, zone }) => ({
      type: 'ReportTicket',
      data: {
        ticketId: 'T-1',
        customerId: 'C-1',
        channel: 'phone',
        kind: 'fault',
        severity: s,
        ...(zone ? { zone } : {}),
        summary: 'down',
        policyId: 'it-support-plan',
        policyVersion: 1,
      },
    })),
  steps: fc.array(
    fc.record({ minutes: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1440 })), command }),
    { maxLength: 40 },
  ),
});

/** The events `decide` accepts for these steps from `startMs`; refused commands are skipped. */
export function runSteps(startMs: number, report: TicketCommand, steps: readonly Step[]): { events: TicketEvent[]; endMs: number } {
  let state: TicketState = initialState();
  const events: TicketEvent[] = [];
  let ms = startMs;
  for (const { minutes, command } of [{ minutes: 0, command: report }, ...steps]) {
    ms += minutes * 60_000;
    const at = new Date(ms).toISOString();
    const decision = decide({ ...command, data: { ...command.data, at } } as TicketCommand, state, at);
    if (!decision.ok) continue;
    events.push(...decision.events);
    state = decision.events.reduce(evolve, state);
  }
  return { events, endMs: ms };
}
