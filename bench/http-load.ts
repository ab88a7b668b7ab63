/** A small closed-loop HTTP load generator: N clients, each sending its next request when the last one answered. */
import { Agent, request } from 'node:http';
import { Pool } from 'undici';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<HttpAnswer>;

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Runs `scenario` in a loop on `concurrency` clients for `durationMs`; every request is timed. */
export async function runLoad(
  baseUrl: string,
  concurrency: number,
  durationMs: number,
  scenario: (send: Send) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const client = process.env.BENCH_HTTP_CLIENT === 'node' ? nodeHttpClient(baseUrl, concurrency) : undiciClient(baseUrl, concurrency);
  const send: Send = async (method, path, body, headers = {}) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = performance.now();
    const answer = await client.send(method, path, payload, headers);
    latencies.push(performance.now() - started);
    if (answer.status >= 400) errors += 1;
    return answer;
  };
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) await scenario(send);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { requests: sorted.length, errors, seconds, perSecond: sorted.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Sends requests over kept-alive connections; `close` releases them. */
export interface Client {
  send(method: string, path: string, payload: string | undefined, headers: Record<string, string>): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/**
 * undici's pool of `concurrency` keep-alive connections: the default. It spends less of the
 * machine's CPU per request than node:http's client, and on a 2-core machine every cycle the load
 * generator spends is taken from the server it measures.
 */
function undiciClient(baseUrl: string, concurrency: number): Client {
  const pool = new Pool(baseUrl, { connections: concurrency, pipelining: 1 });
  return {
    async send(method, path, payload, headers) {
      const answer = await pool.request({
        method: method as 'GET' | 'POST',
        path,
        body: payload,
        headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
      });
      return { status: answer.statusCode, body: await answer.body.text() };
    },
    close: () => pool.close(),
  };
}

/**
 * node:http's keep-alive agent: the load generator of earlier runs (`BENCH_HTTP_CLIENT=node`), and
 * the soak benchmark's client.
 */
export function nodeHttpClient(baseUrl: string, concurrency: number): Client {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    send: (method, path, payload, headers) =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
    close: async () => agent.destroy(),
  };
}
