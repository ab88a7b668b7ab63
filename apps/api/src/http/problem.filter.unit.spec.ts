import { AppendOutcomeUnknown, EventStoreAccessDenied, EventStoreUnavailable, StreamDeleted } from '@app/event-store';
import { toProblem } from './problem.filter';

describe('store errors as problems', () => {
  it('an append that surely wrote nothing: 503, retry freely', () => {
    const { body, headers } = toProblem(new EventStoreUnavailable('down'));
    expect(body).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    expect(body.detail).toMatch(/nothing was written/);
    expect(headers['retry-after']).toBe('2');
  });

  it('an append whose outcome is unknown: 503 OUTCOME_UNKNOWN, retry with the same Idempotency-Key, never "nothing was written"', () => {
    const { body, headers } = toProblem(new AppendOutcomeUnknown('ticket-1', 'EventStoreDB did not answer within 5000 ms'));
    expect(body).toMatchObject({ status: 503, code: 'OUTCOME_UNKNOWN' });
    expect(body.detail).toMatch(/same Idempotency-Key/);
    expect(body.detail).not.toMatch(/nothing was written/);
    expect(headers['retry-after']).toBe('2');
  });

  it('a deleted stream and refused credentials are not retryable 503s', () => {
    expect(toProblem(new StreamDeleted('ticket-1')).body).toMatchObject({ status: 410, code: 'STREAM_DELETED' });
    const denied = toProblem(new EventStoreAccessDenied('EventStoreDB denied access to $all'));
    expect(denied.body).toMatchObject({ status: 500, code: 'STORE_ACCESS_DENIED' });
    expect(denied.headers['retry-after']).toBeUndefined();
  });
});
