import { expect } from '@jest/globals';
import { decide, type Decision } from '../decide';
import { evolve } from '../evolve';
import { TICKET_ERROR_KINDS, type TicketError, type TicketErrorCode } from '../ticket-errors';
import type { TicketCommand } from '../ticket-commands';
import type { TicketEvent, TicketReported } from '../ticket-events';
import { initialState, type Ticket, type TicketState } from '../ticket-state';

/**
 * Given/When/Then for the decider (Emmett's DeciderSpecification, trimmed): given past events,
 * when a command arrives at `now`, then these events, or this error.
 */
export const NOW = '2026-11-25T12:00:00.000Z';

/** Business time `minutes` after 10:00 on the test day (two hours before NOW). */
export function t(minutes: number): string {
  return new Date(Date.parse('2026-11-25T10:00:00.000Z') + minutes * 60_000).toISOString();
}

export function given(...events: TicketEvent[]) {
  const state = events.reduce<TicketState>(evolve, initialState());
  return {
    state,
    when(command: TicketCommand, now: string = NOW) {
      const decision = decide(command, state, now);
      return {
        decision,
        then(expected: TicketEvent[]): void {
          expect(decision).toEqual({ ok: true, events: expected });
        },
        thenFails(code: TicketErrorCode, field?: string): TicketError {
          expect(decision).toMatchObject({ ok: false, error: { code, kind: TICKET_ERROR_KINDS[code] } });
          const error = (decision as Extract<Decision, { ok: false }>).error;
          if (field !== undefined) expect(error.field).toBe(field);
          expect(error.message.length).toBeGreaterThan(0);
          return error;
        },
      };
    },
  };
}

export function ticketOf(state: TicketState): Ticket {
  if (state.status === 'none') throw new Error('expected a reported ticket');
  return state;
}

// Event fixtures: the usual history of ticket T-1, one step per builder.

export function reported(overrides: Partial<TicketReported['data']> = {}): TicketReported {
  return {
    type: 'TicketReported',
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
  };
}

export const acknowledged = (at = t(5), by = 'desk-1'): TicketEvent => ({
  type: 'ResponseAcknowledged',
  data: { by, at },
});
export const dispatched = (
  engineerId: string,
  tier: 'onsite' | 'senior',
  at = t(10),
  escalation = false,
): TicketEvent => ({ type: 'EngineerDispatched', data: { engineerId, tier, escalation, at } });
export const arrived = (engineerId: string, tier: 'onsite' | 'senior', at = t(20)): TicketEvent => ({
  type: 'EngineerArrived',
  data: { engineerId, tier, at },
});
export const paused = (at = t(15), reason: 'awaiting-customer' | 'awaiting-parts' = 'awaiting-parts'): TicketEvent => ({
  type: 'TicketPaused',
  data: { reason, at },
});
export const resumed = (at = t(25)): TicketEvent => ({ type: 'TicketResumed', data: { at } });
export const restored = (at = t(30)): TicketEvent => ({
  type: 'Restored',
  data: { by: 'eng-1', resolution: 'replaced the disk', at },
});
export const reportFiled = (at = t(40)): TicketEvent => ({
  type: 'ReportFiled',
  data: { faultType: 'hardware', cause: 'disk wear', method: 'replacement', loss: 'none', by: 'eng-1', at },
});
export const closed = (at = t(50)): TicketEvent => ({ type: 'TicketClosed', data: { by: 'desk-1', at } });
export const reopened = (at = t(60)): TicketEvent => ({
  type: 'TicketReopened',
  data: { reason: 'fault is back', at },
});

/** Reported, acknowledged, restored: where most after-care commands start. */
export const restoredHistory = (): TicketEvent[] => [reported(), acknowledged(), restored()];
