import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { Roles } from '../auth/roles.decorator';
import { SECURITY_HEADERS } from '../http/edge-errors';
import { problem, ProblemError } from '../http/problem';
import { AlarmFeed, type Alarm } from './alarm-feed';

/** Streams one key may hold open at once: a few browser tabs, not a leak. */
export const MAX_STREAMS_PER_KEY = 5;
/** Unread bytes a stream may hold for a client before it is cut. */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** A comment line this often keeps proxies and the browser from closing a quiet stream. */
export const KEEP_ALIVE_MS = 15_000;

/** The live alarms as server-sent events (text/event-stream). */
@ApiTags('views')
@ApiBearerAuth()
@Controller('v1/stream')
export class AlarmStreamController {
  constructor(private readonly feed: AlarmFeed) {}

  @Get('alarms')
  @Roles('analyst')
  @ApiOperation({ summary: 'SlaWarningReached, SlaBreached and EscalationRequired as server-sent events, as they are committed; the key in the Authorization header' })
  alarms(@Req() request: AuthenticatedRequest, @Res() reply: FastifyReply): void {
    const keyId = request.principal!.keyId;
    if (this.feed.stopping) throw new ProblemError(problem(503, 'SHUTTING_DOWN', 'the server is stopping'), { 'retry-after': '1' });
    if (this.feed.openFor(keyId) >= MAX_STREAMS_PER_KEY) {
      throw new ProblemError(problem(429, 'TOO_MANY_STREAMS', `this key holds ${MAX_STREAMS_PER_KEY} alarm streams open already; close one first`), { 'retry-after': '5' });
    }
    reply.hijack();
    const raw = reply.raw;
    // A stream is quiet for long stretches: the keep-alive comments, not the idle timeout, watch it.
    raw.socket?.setTimeout(0);
    raw.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      // A stream's connection is never reused: when the stream ends (at shutdown) the socket
      // closes with it, instead of lingering as an idle keep-alive the server would wait for.
      connection: 'close',
    });
    // The reconnection delay a client should wait, then a first line so the client knows it is open.
    raw.write('retry: 3000\n: open\n\n');
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      forget();
    };
    const forget = this.feed.listen({
      keyId,
      send: (alarm: Alarm) => {
        if (closed) return;
        // A client that stopped reading would have every alarm kept for it in memory: past a
        // megabyte unread, its stream is cut (it may connect again and read the view).
        if (raw.writableLength > MAX_UNREAD_BYTES) {
          close();
          raw.destroy();
          return;
        }
        raw.write(`id: ${alarm.position}\nevent: ${alarm.type}\ndata: ${JSON.stringify(alarm)}\n\n`);
      },
      end: () => {
        close();
        // The stream ends with the server: the client sees the end and may connect again later.
        // The socket goes too, even when the client stopped reading and never closes its side.
        raw.end(() => raw.destroy());
      },
    });
    raw.on('close', close);
  }
}
