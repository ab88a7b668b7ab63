import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import pretty from 'pino-pretty';

/**
 * The request logger's options with where its lines go: pino's own JSON lines on stdout, or
 * pino-pretty's lines for a person at a terminal. Pretty output is formatted on this thread and
 * written synchronously (no transport thread to flush), so the last lines of a shutdown are on
 * the screen before the process exits.
 */
export function withLogDestination(format: 'pretty' | 'json', options: Options): Options | [Options, DestinationStream] {
  if (format === 'json') return options;
  return [options, pretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })];
}
