import { withoutSecrets } from './log-serializers';

describe('withoutSecrets (the request as the access log writes it)', () => {
  it('replaces the key and the idempotency key, and leaves the request itself as it was', () => {
    const headers = { authorization: 'Bearer key-1', 'idempotency-key': 'retry-7', accept: 'application/json' };
    const req = { id: 'r1', method: 'POST', url: '/v1/tickets', headers };
    const logged = withoutSecrets(req);
    expect(logged).toEqual({ id: 'r1', method: 'POST', url: '/v1/tickets', headers: { authorization: '[redacted]', 'idempotency-key': '[redacted]', accept: 'application/json' } });
    expect(JSON.stringify(logged)).not.toMatch(/key-1|retry-7/);
    expect(headers).toEqual({ authorization: 'Bearer key-1', 'idempotency-key': 'retry-7', accept: 'application/json' });
  });

  it('hands back a request without secrets as it is', () => {
    const req = { id: 'r2', headers: { accept: '*/*' } };
    expect(withoutSecrets(req)).toBe(req);
    const bare: { id: string; headers?: Record<string, unknown> } = { id: 'r3' };
    expect(withoutSecrets(bare)).toBe(bare);
  });
});
