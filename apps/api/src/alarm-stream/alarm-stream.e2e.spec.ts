import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_KEYS, type Role } from '../../../../test/support/http-client';
import { HOUR, iso, startViewsApp, type ViewsApp } from '../../../../test/support/views-scenario';

/**
 * GET /v1/stream/alarms over real HTTP against the built app: who may open it, what it sends, how
 * many one key may hold, and that an open stream does not hold the server at shutdown.
 */

const GRACE_MS = 30_000;

interface Stream {
  readonly status: number;
  readonly headers: Headers;
  /** Reads until `found` says the text so far holds what is wanted, or the stream ends. */
  readUntil(found: (text: string) => boolean, timeoutMs?: number): Promise<{ text: string; ended: boolean }>;
  close(): void;
}

async function open(app: ViewsApp, role: Role): Promise<Stream> {
  const abort = new AbortController();
  const response = await fetch(`${app.url}/v1/stream/alarms`, { headers: { authorization: `Bearer ${TEST_KEYS[role]}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (response.status !== 200) {
    // A refusal is read to its end, so its connection goes back to the pool.
    await response.text();
    return { status: response.status, headers: response.headers, readUntil: async () => ({ text: '', ended: true }), close: () => undefined };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  return {
    status: response.status,
    headers: response.headers,
    async readUntil(found, timeoutMs = 30_000) {
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        while (!found(text)) {
          const { value, done } = await reader.read();
          if (done) return { text, ended: true };
          text += value;
        }
        return { text, ended: false };
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => {
      void reader.cancel().catch(() => undefined);
      abort.abort();
    },
  };
}

describe('GET /v1/stream/alarms', () => {
  let app: ViewsApp;
  beforeAll(async () => {
    app = await startViewsApp({ RUN_DEADLINE_FOLLOWER: 'true', RATE_LIMIT_PER_SECOND: '0', SHUTDOWN_GRACE_MS: String(GRACE_MS) });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  }, 60_000);

  it('is for analysts (and admins): a service or auditor key gets 403, no key 401', async () => {
    expect((await app.api.get('/v1/stream/alarms')).status).toBe(401);
    expect((await app.api.as('service').get('/v1/stream/alarms')).status).toBe(403);
    expect((await app.api.as('auditor').get('/v1/stream/alarms')).status).toBe(403);
  });

  it('pushes the alarms a late report raises, as server-sent events with the position as id', async () => {
    const stream = await open(app, 'analyst');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await stream.readUntil((text) => text.includes(': open'));
    const report = await app.service.post('/v1/tickets', { customerId: 'c-sse', channel: 'phone', kind: 'fault', severity: 'major', summary: 'router down', at: iso(Date.now() - 2 * HOUR) });
    expect(report.status).toBe(201);
    const ticketId = report.body.ticketId as string;
    const { text } = await stream.readUntil((so) => so.includes('event: EscalationRequired'));
    stream.close();
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('id: '))
      .map((block) => {
        const [id, event, data] = block.split('\n');
        return { id: id.slice(4), event: event.slice(7), data: JSON.parse(data.slice(6)) };
      });
    expect(events.every((e) => e.data.ticketId === ticketId && e.data.position === e.id && e.event === e.data.type)).toBe(true);
    // What the late-call scenario owes, in the order the follower appends it (see test/support/late-call.ts).
    expect(events.map((e) => `${e.event}:${e.data.metric}`)).toEqual([
      'SlaWarningReached:response',
      'SlaWarningReached:response',
      'SlaWarningReached:onsiteResolution',
      'SlaBreached:response',
      'SlaWarningReached:onsiteResolution',
      'SlaBreached:onsiteResolution',
      'EscalationRequired:onsiteResolution',
    ]);
  }, 60_000);

  it('lets one key hold 5 streams at once; the 6th gets 429 until one closes', async () => {
    const streams = await Promise.all(Array.from({ length: 5 }, () => open(app, 'analyst')));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    await Promise.all(streams.map((s) => s.readUntil((text) => text.includes(': open'))));
    const sixth = await app.api.as('analyst').get('/v1/stream/alarms');
    expect(sixth.status).toBe(429);
    expect(sixth.body.code).toBe('TOO_MANY_STREAMS');
    // Another key is counted on its own.
    const admin = await open(app, 'admin');
    expect(admin.status).toBe(200);
    admin.close();
    streams[0].close();
    // The server sees the close when the socket goes: ask until it has.
    let again: Stream | undefined;
    for (let attempt = 0; attempt < 100 && !again; attempt++) {
      const next = await open(app, 'analyst');
      if (next.status === 200) again = next;
      else await new Promise((done) => setTimeout(done, 100));
    }
    expect(again?.status).toBe(200);
    [again!, ...streams.slice(1)].forEach((s) => s.close());
  }, 60_000);

  it('ends open streams at shutdown instead of holding the server until its grace runs out', async () => {
    const stream = await open(app, 'analyst');
    await stream.readUntil((text) => text.includes(': open'));
    const started = Date.now();
    const stopping = app.close();
    const { ended } = await stream.readUntil(() => false, GRACE_MS + 10_000);
    const endedAfterMs = Date.now() - started;
    await stopping;
    expect(ended).toBe(true);
    // Left open, the stream would last until SHUTDOWN_GRACE_MS (30 s) has passed and the server
    // closes every connection; ended by the server, it goes as shutdown begins.
    expect(endedAfterMs).toBeLessThan(GRACE_MS / 3);
    await app.start();
  }, 90_000);
});
