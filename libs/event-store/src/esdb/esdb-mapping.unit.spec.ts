import { ErrorType, StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import {
  AppendOutcomeUnknown,
  EventStoreAccessDenied,
  EventStoreUnavailable,
  InvalidEventStoreInput,
  StreamDeleted,
  StreamNotFound,
  WrongExpectedRevision,
} from '../errors';
import { foreignReason, fromEsdbAppendError, fromEsdbError, fromEsdbEvent, isSystemEvent, toEsdbExpectedRevision, toEsdbFilter } from './esdb-mapping';

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

  it('gives empty metadata for none or binary metadata', () => {
    expect(fromEsdbEvent(recorded({ metadata: undefined }))?.metadata).toEqual({});
    expect(fromEsdbEvent(recorded({ metadata: new Uint8Array([1]) }))?.metadata).toEqual({});
  });

  it('passes over foreign events: binary, malformed JSON (a string), JSON that is not an object', () => {
    const binary = recorded({ isJson: false, data: new Uint8Array([1]) });
    expect(fromEsdbEvent(binary)).toBeUndefined();
    expect(foreignReason(binary)).toBe('not JSON');
    expect(fromEsdbEvent(recorded({ data: '{"summary": ' }))).toBeUndefined();
    expect(fromEsdbEvent(recorded({ data: [1, 2] }))).toBeUndefined();
    expect(fromEsdbEvent(recorded({ data: 42 }))).toBeUndefined();
    expect(foreignReason({ isJson: true, data: 'x' })).toBe('JSON data that is not an object');
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

  it('gives the server\'s definite refusals their own errors, not a retryable unavailable', () => {
    expect(fromEsdbError({ type: ErrorType.STREAM_DELETED, streamName: 'ticket-3', message: 'deleted' })).toEqual(new StreamDeleted('ticket-3'));
    expect(fromEsdbError({ type: ErrorType.ACCESS_DENIED, message: 'Access denied' }, 'ticket-3')).toBeInstanceOf(EventStoreAccessDenied);
    expect(fromEsdbError({ type: ErrorType.NOT_FOUND, message: 'not found' }, 'ticket-4')).toEqual(new StreamNotFound('ticket-4'));
    // PERMISSION_DENIED from a proxy: the client leaves it untyped.
    expect(fromEsdbError(Object.assign(new Error('7 PERMISSION_DENIED: route denied'), { code: 7 }))).toBeInstanceOf(EventStoreAccessDenied);
  });

  it('tells an append that surely was not written from one whose outcome is unknown', () => {
    const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED'), { code: 14 });
    expect(fromEsdbAppendError(refused, 'ticket-1')).toBeInstanceOf(EventStoreUnavailable);
    expect(fromEsdbAppendError({ type: ErrorType.NOT_LEADER, message: 'not leader' }, 'ticket-1')).toBeInstanceOf(EventStoreUnavailable);
    const conflict = new WrongExpectedVersionError(undefined, { streamName: 'ticket-1', expected: 3n, current: 5n });
    expect(fromEsdbAppendError(conflict, 'ticket-1')).toBeInstanceOf(WrongExpectedRevision);
    expect(fromEsdbAppendError({ type: ErrorType.ACCESS_DENIED, message: 'denied' }, 'ticket-1')).toBeInstanceOf(EventStoreAccessDenied);

    for (const unknown of [
      { type: ErrorType.DEADLINE_EXCEEDED, message: '4 DEADLINE_EXCEEDED: Deadline exceeded' },
      { type: ErrorType.TIMEOUT, message: '10 ABORTED: Operation timed out' },
      { type: ErrorType.CANCELLED, message: '1 CANCELLED: the server cancelled' },
      Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 }),
      Object.assign(new Error('13 INTERNAL: Received RST_STREAM with code 2'), { code: 13 }),
    ]) {
      const mapped = fromEsdbAppendError(unknown, 'ticket-1');
      expect(mapped).toBeInstanceOf(AppendOutcomeUnknown);
      expect(mapped.message).toMatch(/^append to ticket-1: .*it may have been written$/);
    }
  });
});
