import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Connection } from './webhook-target';

/** How much of a receiver's answer is read: its status decides, the rest is never buffered. */
export const RESPONSE_BYTES_READ = 4096;

export interface SendOutcome {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * `sha256=<hex>`: HMAC-SHA256 with the webhook's secret of `<timestamp>.<body>`, the timestamp
 * being the X-Signature-Timestamp header (unix seconds), so a receiver can refuse an old
 * delivery replayed with its signature.
 */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * POSTs `body` on a connection of its own and answers with the receiver's status. The answer's
 * body is read up to RESPONSE_BYTES_READ and the connection is then closed, so a receiver that
 * streams without end costs one socket buffer, not memory.
 */
export function post(connection: Connection, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendOutcome> {
  return new Promise((resolve) => {
    let statusCode: number | undefined;
    let settled = false;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const answered = () => finish(outcomeOf(statusCode!));
    const send = connection.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      connection.url,
      {
        method: 'POST',
        agent: false,
        ...(connection.lookup ? { lookup: connection.lookup } : {}),
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response: IncomingMessage) => {
        statusCode = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= RESPONSE_BYTES_READ) answered();
        });
        response.on('end', answered);
        response.on('error', answered);
        response.on('close', answered);
      },
    );
    const timer = setTimeout(
      () => finish(statusCode === undefined ? { ok: false, statusCode: null, error: `no answer within ${timeoutMs} ms` } : outcomeOf(statusCode)),
      timeoutMs,
    );
    request.on('error', (error) => finish(statusCode === undefined ? { ok: false, statusCode: null, error: error.message } : outcomeOf(statusCode)));
    request.end(body);
  });
}

function outcomeOf(statusCode: number): SendOutcome {
  const ok = statusCode >= 200 && statusCode < 300;
  return { ok, statusCode, error: ok ? null : `answered ${statusCode}` };
}
