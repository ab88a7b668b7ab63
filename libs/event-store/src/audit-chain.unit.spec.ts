import { randomUUID } from 'node:crypto';
import type { EventToAppend, RecordedEvent } from './event-store.port';
import { canonicalJson, chainEvents, ChainVerifier, eventHash, genesisHash } from './audit-chain';
import { positionOf } from './position';

/** Stores events the way an adapter would: revisions and positions in order. */
function record(stream: string, events: EventToAppend[], startRevision = 0, startPosition = 0): RecordedEvent[] {
  return events.map((event, i) => ({
    id: randomUUID(),
    stream,
    revision: startRevision + i,
    position: positionOf(startPosition + i),
    type: event.type,
    data: event.data,
    metadata: event.metadata ?? {},
    recordedAt: '2026-11-25T10:00:00.000Z',
  }));
}

function chainOf(stream: string, count: number): RecordedEvent[] {
  let stored: RecordedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const next = chainEvents(stream, stored.at(-1), [{ type: `Step${i}`, data: { i, text: '售后' }, metadata: { actor: { role: 'service' } } }]);
    stored = [...stored, ...record(stream, next, i, i)];
  }
  return stored;
}

function verify(events: RecordedEvent[]) {
  const verifier = new ChainVerifier();
  for (const event of events) verifier.check(event);
  return verifier;
}

describe('the audit hash chain', () => {
  it('writes canonical JSON with sorted keys and no whitespace', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'é', skip: undefined })).toBe('{"a":"é","b":[2,{"c":null,"d":1}]}');
  });

  it('chains the first event to the genesis value and each next one to the event before', () => {
    const [first, second] = chainOf('ticket-1', 2);
    expect(first.metadata.previousHash).toBe(genesisHash('ticket-1'));
    expect(second.metadata.previousHash).toBe(first.metadata.hash);
    expect(first.metadata.hash).toBe(eventHash(genesisHash('ticket-1'), first));
    expect(first.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('chains the events of one append to each other', () => {
    const events = chainEvents('ticket-2', undefined, [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ]);
    expect(events[1].metadata!.previousHash).toBe(events[0].metadata!.hash);
    expect(verify(record('ticket-2', events)).broken).toEqual([]);
  });

  it('passes an untouched log with interleaved streams', () => {
    const a = chainOf('ticket-a', 4);
    const b = chainOf('ticket-b', 3);
    const verifier = verify([a[0], b[0], a[1], b[1], b[2], a[2], a[3]]);
    expect(verifier.broken).toEqual([]);
    expect(verifier.checkedEvents).toBe(7);
    expect(verifier.checkedStreams).toBe(2);
  });

  it('names an event whose data, type or metadata was changed', () => {
    for (const tamper of [
      (e: RecordedEvent) => ({ ...e, data: { ...e.data, i: 99 } }),
      (e: RecordedEvent) => ({ ...e, type: 'Other' }),
      (e: RecordedEvent) => ({ ...e, metadata: { ...e.metadata, actor: { role: 'admin' } } }),
    ]) {
      const events = chainOf('ticket-c', 5);
      events[2] = tamper(events[2]);
      expect(verify(events).broken).toEqual([{ stream: 'ticket-c', revision: 2, reason: 'the content does not match its hash' }]);
    }
  });

  it('names the event after a deleted one', () => {
    const events = chainOf('ticket-d', 5);
    events.splice(2, 1);
    expect(verify(events).broken).toEqual([{ stream: 'ticket-d', revision: 3, reason: 'revision 2 is missing' }]);
  });

  it('names swapped events', () => {
    const events = chainOf('ticket-e', 5);
    // Two events trade places, each keeping its revision number: their contents no longer chain.
    const swapped = [...events];
    swapped[1] = { ...events[2], revision: 1 };
    swapped[2] = { ...events[1], revision: 2 };
    expect(verify(swapped).broken[0]).toMatchObject({ stream: 'ticket-e', revision: 1 });
  });

  it('reports a re-hashed forgery at the event after it, whose previousHash no longer matches', () => {
    const events = chainOf('ticket-f', 4);
    const forged = { ...events[1], data: { i: 1, text: 'changed' } };
    forged.metadata = { ...forged.metadata, hash: eventHash(String(forged.metadata.previousHash), forged) };
    events[1] = forged;
    expect(verify(events).broken).toEqual([
      { stream: 'ticket-f', revision: 2, reason: 'previousHash does not match the hash of the event before it' },
    ]);
  });
});
