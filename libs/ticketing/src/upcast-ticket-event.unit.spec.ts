import { EVENT_SCHEMA_VERSION, upcastTicketEvent } from './upcast-ticket-event';
import { TICKET_EVENT_TYPES } from './ticket-events';
import { reported } from './testing/ticket-spec';

describe('upcastTicketEvent', () => {
  it('has a schema version for every event type, all 1 today', () => {
    expect(Object.keys(EVENT_SCHEMA_VERSION).sort()).toEqual([...TICKET_EVENT_TYPES].sort());
    expect(new Set(Object.values(EVENT_SCHEMA_VERSION))).toEqual(new Set([1]));
  });

  it('returns a current event unchanged', () => {
    const event = reported();
    expect(upcastTicketEvent(event.type, event.data, 1)).toEqual({ ok: true, event });
  });

  it('reads a missing version as 1', () => {
    const data = { at: '2026-11-25T10:00:00.000Z' };
    expect(upcastTicketEvent('TicketResumed', data, undefined)).toEqual({
      ok: true,
      event: { type: 'TicketResumed', data },
    });
  });

  it('refuses an unknown event type', () => {
    expect(upcastTicketEvent('TicketArchived', {}, 1)).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_EVENT_TYPE', kind: 'invalid', field: 'type' },
    });
  });

  it.each([0, 2, 1.5, Number.NaN])('refuses schema version %p', (version) => {
    expect(upcastTicketEvent('TicketResumed', { at: 'x' }, version)).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED_SCHEMA_VERSION', field: 'schemaVersion' },
    });
  });

  it.each([null, 'text', [1]])('refuses data that is not an object: %p', (data) => {
    expect(upcastTicketEvent('TicketResumed', data, 1)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
