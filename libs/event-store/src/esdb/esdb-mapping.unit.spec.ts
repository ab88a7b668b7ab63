import { ErrorType, StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import { EventStoreUnavailable, InvalidEventStoreInput, StreamNotFound, WrongExpectedRevision } from '../errors';
import { fromEsdbError, fromEsdbEvent, isSystemEvent, toEsdbExpectedRevision, toEsdbFilter } from './esdb-mapping';

const recorded = (overrides: Record<string, unknown> = {}) =>
  ({
    streamId: 'ticket-1',
    id: '0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01',
    isJson: true,
    revision: 7n,
    type: 'TicketReported',
    created: new Date('2026-11-25T10:00:00.000Z'),
    data: { summary: 'printer down' },
    metadata: { actor: 'desk' },
    position: { commit: 900n, prepare: 880n },
    ...overrides,
  }) as never;

describe('EventStoreDB mapping', () => {
  it('maps expected revisions to the client constants and bigints', () => {
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision('no_stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision('stream_exists')).toBe('stream_exists');
    expect(toEsdbExpectedRevision(41)).toBe(41n);
  });

  it('maps a recorded JSON event, keeping both parts of its position', () => {
    expect(fromEsdbEvent(recorded())).toEqual({
      id: '0b3c3a8e-8f2a-4a55-9a55-6f1b4c1f1a01',
      stream: 'ticket-1',
      revision: 7,
      position: { commit: 900n, prepare: 880n },
      type: 'TicketReported',
      data: { summary: 'printer down' },
      metadata: { actor: 'desk' },
      recordedAt: '2026-11-25T10:00:00.000Z',
    });
  });

  it('gives empty metadata for none or binary metadata, and refuses binary events', () => {
    expect(fromEsdbEvent(recorded({ metadata: undefined })).metadata).toEqual({});
    expect(fromEsdbEvent(recorded({ metadata: new Uint8Array([1]) })).metadata).toEqual({});
    expect(() => fromEsdbEvent(recorded({ isJson: false, data: new Uint8Array([1]) }))).toThrow(InvalidEventStoreInput);
  });

  it('recognises system events by type or stream', () => {
    expect(isSystemEvent({ type: '$metadata', streamId: 'ticket-1' })).toBe(true);
    expect(isSystemEvent({ type: 'Anything', streamId: '$stats-127.0.0.1' })).toBe(true);
    expect(isSystemEvent({ type: 'TicketReported', streamId: 'ticket-1' })).toBe(false);
  });

  it('builds a server filter on stream prefixes first, then on exact event types, else excludes system events', () => {
    expect(toEsdbFilter({ streamPrefixes: ['ticket-'], eventTypes: ['A'] })).toMatchObject({ filterOn: 'streamName', prefixes: ['ticket-'] });
    const byType = toEsdbFilter({ eventTypes: ['Sla.Breached', 'Restored'] }) as { filterOn: string; regex: string };
    expect(byType.filterOn).toBe('eventType');
    const regex = new RegExp(byType.regex);
    expect(regex.test('Restored')).toBe(true);
    expect(regex.test('RestoredLater')).toBe(false);
    expect(regex.test('SlaXBreached')).toBe(false);
    expect(toEsdbFilter(undefined)).toMatchObject({ filterOn: 'eventType' });
  });

  it('translates client errors into the port errors', () => {
    const conflict = fromEsdbError(
      new WrongExpectedVersionError(undefined, { streamName: 'ticket-1', expected: 3n, current: 5n }),
    );
    expect(conflict).toBeInstanceOf(WrongExpectedRevision);
    expect(conflict).toMatchObject({ stream: 'ticket-1', expected: '3', actual: 5 });
    const missing = fromEsdbError(new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'stream_exists', current: 'no_stream' }));
    expect(missing).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });

    const notFound = Object.assign(Object.create(StreamNotFoundError.prototype), { type: ErrorType.STREAM_NOT_FOUND, streamName: 'ticket-9' });
    expect(fromEsdbError(notFound)).toEqual(new StreamNotFound('ticket-9'));

    const unavailable = Object.assign(Object.create(UnavailableError.prototype), { type: ErrorType.UNAVAILABLE, message: 'down' });
    expect(fromEsdbError(unavailable)).toBeInstanceOf(EventStoreUnavailable);
    // What the client throws for a closed port: a plain Error with gRPC code 14.
    expect(fromEsdbError(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }))).toBeInstanceOf(
      EventStoreUnavailable,
    );
    expect(fromEsdbError({ type: ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED, message: 'too big' })).toBeInstanceOf(InvalidEventStoreInput);
  });
});
