import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Link, type Span, type SpanContext } from '@opentelemetry/api';

/** The tracer every span of the engine comes from; a no-op until an SDK registers a provider. */
export const tracer = trace.getTracer('service-ticket-engine');

/** The attribute that ties spans to the conversation their events record (metadata.correlationId). */
export const CORRELATION_ID = 'ticket_engine.correlation_id';

/**
 * Starts the OpenTelemetry SDK from the standard OTEL_* variables (OTLP exporter unless
 * OTEL_TRACES_EXPORTER says otherwise); called only when tracing is on, before the app is built.
 * No instrumentation library patches anything: the engine makes its own spans (request, command,
 * decide, append, projection batch, webhook delivery). Returns what flushes and stops it (within 2 s).
 */
export async function startTracing(): Promise<() => Promise<void>> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'service-ticket-engine', instrumentations: [] });
  sdk.start();
  return () => {
    // A collector that does not answer must not hold the shutdown: what is not sent by then is lost.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the trace collector within ${EXPORT_AT_SHUTDOWN_MS} ms`)), EXPORT_AT_SHUTDOWN_MS);
    });
    return Promise.race([sdk.shutdown(), late]).finally(() => clearTimeout(timer));
  };
}

/** How long the spans still buffered at shutdown may take to reach the collector. */
const EXPORT_AT_SHUTDOWN_MS = 2000;

/** A server span for one HTTP request, continuing the caller's trace when it sent `traceparent`. */
export function startRequestSpan(method: string, headers: Record<string, string | string[] | undefined>): Span {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
}

/** Ends a request span with its route template and status, as the OpenTelemetry HTTP conventions name them. */
export function endRequestSpan(span: Span, method: string, route: string | undefined, status: number): void {
  if (route) {
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
  }
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The context a request's span runs in: a command started by the request is its child. */
export function contextOf(span: Span | undefined): Context | undefined {
  return span ? trace.setSpan(context.active(), span) : undefined;
}

/** Runs `work` in a span that is a child of `parent` (or of the active context), ending it with its outcome. */
export async function inSpan<T>(name: string, parent: Context | undefined, attributes: Record<string, string | number>, work: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { attributes }, parent ?? context.active());
  try {
    return await work(span);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** A span recorded after the fact (a projection batch measured on its worker thread), with its links. */
export function recordSpan(name: string, startMs: number, durationMs: number, attributes: Record<string, string | number | string[]>, links: Link[] = []): void {
  tracer.startSpan(name, { startTime: startMs, attributes, links, root: true }).end(startMs + durationMs);
}

/** How many recent commands' spans a projection batch or a webhook delivery can link to. */
const REMEMBERED_COMMAND_SPANS = 1000;
const commandSpans = new Map<string, SpanContext>();

/** Remembers the span of a command by its correlation id, for the spans its events cause later. */
export function rememberCommandSpan(correlationId: string, span: Span): void {
  commandSpans.delete(correlationId);
  commandSpans.set(correlationId, span.spanContext());
  if (commandSpans.size > REMEMBERED_COMMAND_SPANS) commandSpans.delete(commandSpans.keys().next().value!);
}

/** Links to the remembered command spans of these correlation ids (those still remembered). */
export function commandLinks(correlationIds: readonly string[]): Link[] {
  const links: Link[] = [];
  for (const id of correlationIds) {
    const found = commandSpans.get(id);
    if (found) links.push({ context: found, attributes: { [CORRELATION_ID]: id } });
  }
  return links;
}
