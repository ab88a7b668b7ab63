import type { Context, Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EngineMetrics } from './engine-metrics';
import { contextOf, endRequestSpan, startRequestSpan } from './tracing';

const requestSpans = new WeakMap<FastifyRequest, Span>();

/** The trace context of a request's span (undefined when tracing is off): what its command continues. */
export function traceOf(request: FastifyRequest): Context | undefined {
  return contextOf(requestSpans.get(request));
}

/**
 * Counts every answer by route template, method and status class with its latency, and with
 * tracing on gives each request a server span (ended when the answer is sent, or the client goes).
 */
export function watchRequests(fastify: FastifyInstance, metrics: EngineMetrics, tracing: boolean): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.request(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (!tracing) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    requestSpans.set(request, startRequestSpan(request.method, request.headers));
    done();
  });
  const end = (request: FastifyRequest, status: number) => {
    const span = requestSpans.get(request);
    if (!span) return;
    requestSpans.delete(request);
    endRequestSpan(span, request.method, request.routeOptions.url, status);
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  // 499: the client went away before the answer, as proxies log it.
  fastify.addHook('onRequestAbort', (request, done) => {
    end(request, 499);
    done();
  });
}
