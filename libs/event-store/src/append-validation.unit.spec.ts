import { prepareAppend, timeOrderedUuid } from './append-validation';

describe('event ids the store makes', () => {
  it('are version 7 UUIDs that begin with the time in milliseconds', () => {
    const at = Date.parse('2026-11-26T02:15:00.123Z');
    const id = timeOrderedUuid(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sort after the ids made a millisecond earlier, and differ within one millisecond', () => {
    const at = Date.parse('2026-11-26T02:15:00.000Z');
    const earlier = Array.from({ length: 50 }, () => timeOrderedUuid(at));
    const later = Array.from({ length: 50 }, () => timeOrderedUuid(at + 1));
    expect(new Set([...earlier, ...later]).size).toBe(100);
    for (const id of later) expect(earlier.every((before) => before < id)).toBe(true);
  });

  it('are given to events without an id; an id given is kept, in lower case', () => {
    const given = '6F1B4C1F-1A01-4A55-9A55-0B3C3A8E8F2A';
    const { events } = prepareAppend('s', [{ type: 'A', data: {} }, { id: given, type: 'B', data: {} }], undefined);
    expect(events[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(events[1].id).toBe(given.toLowerCase());
  });
});
