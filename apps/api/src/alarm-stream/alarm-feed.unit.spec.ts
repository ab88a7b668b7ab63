import { describe, expect, it } from '@jest/globals';
import { positionOf, type RecordedEvent } from '@app/event-store';
import { alarmOf } from './alarm-feed';

const recorded = (stream: string, type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: 'e1',
  stream,
  revision: 3,
  position: positionOf(42),
  type,
  data,
  metadata: {},
  recordedAt: '2026-12-04T10:00:01.000Z',
});

describe('alarmOf', () => {
  it('turns a ticket alarm into what the stream sends, with the log position as its id', () => {
    expect(alarmOf(recorded('ticket-t1', 'SlaWarningReached', { metric: 'response', threshold: 0.5, dueAt: '2026-12-04T10:30:00.000Z', policyVersion: 1, at: '2026-12-04T10:15:00.000Z' }))).toEqual({
      type: 'SlaWarningReached', ticketId: 't1', position: '42', metric: 'response', threshold: 0.5, dueAt: '2026-12-04T10:30:00.000Z', reason: null, at: '2026-12-04T10:15:00.000Z',
    });
    expect(alarmOf(recorded('ticket-t1', 'EscalationRequired', { metric: 'onsiteResolution', reason: 'breach', at: '2026-12-04T11:00:00.000Z' }))).toMatchObject({ type: 'EscalationRequired', threshold: null, dueAt: null, reason: 'breach' });
  });

  it('ignores every other event, and alarm types outside ticket streams', () => {
    expect(alarmOf(recorded('ticket-t1', 'ResponseAcknowledged', { by: 'desk', at: '2026-12-04T10:05:00.000Z' }))).toBeUndefined();
    expect(alarmOf(recorded('ticket-t1', 'SlaAlarmWithdrawn', { alarm: 'breach', metric: 'response', at: '2026-12-04T10:05:00.000Z' }))).toBeUndefined();
    expect(alarmOf(recorded('asset-a1', 'SlaBreached', { metric: 'response', at: '2026-12-04T10:05:00.000Z' }))).toBeUndefined();
  });
});
