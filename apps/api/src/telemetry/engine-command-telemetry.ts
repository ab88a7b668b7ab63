import { context as activeContext, trace, type Context } from '@opentelemetry/api';
import type { CommandSteps, CommandTelemetry } from '../commands/command-telemetry';
import { UNWATCHED_STEPS } from '../commands/command-telemetry';
import type { CommandOutcome } from '../commands/stream-commands';
import type { CommandContext } from '../tickets/command-context';
import type { EngineMetrics } from './engine-metrics';
import { CORRELATION_ID, inSpan, rememberCommandSpan, tracer } from './tracing';

/**
 * Counts every command by outcome and, with tracing on, gives it a span (a child of its request's)
 * with a span for each decision and each append under it. The command's span is remembered by its
 * correlation id, so the projection batches and webhook deliveries its events cause link to it.
 */
export class EngineCommandTelemetry implements CommandTelemetry {
  constructor(
    private readonly metrics: EngineMetrics,
    private readonly tracing: boolean,
  ) {}

  run(aggregate: string, command: string, context: CommandContext, work: (steps: CommandSteps) => Promise<CommandOutcome>): Promise<CommandOutcome> {
    if (!this.tracing) return this.counted(aggregate, command, () => work(UNWATCHED_STEPS));
    trace.getSpan(context.trace ?? activeContext.active())?.setAttribute(CORRELATION_ID, context.correlationId);
    const attributes = { [CORRELATION_ID]: context.correlationId, 'ticket_engine.command': command, 'ticket_engine.command_id': context.commandId };
    return inSpan(`${aggregate} ${command}`, context.trace, attributes, (span) => {
      rememberCommandSpan(context.correlationId, span);
      return this.counted(aggregate, command, async () => {
        const outcome = await work(tracedSteps(trace.setSpan(context.trace ?? activeContext.active(), span)));
        span.setAttribute('ticket_engine.replayed', outcome.replayed);
        return outcome;
      });
    });
  }

  private async counted(aggregate: string, command: string, run: () => Promise<CommandOutcome>): Promise<CommandOutcome> {
    try {
      const outcome = await run();
      this.metrics.command(aggregate, command, outcome.replayed ? 'replayed' : 'accepted');
      return outcome;
    } catch (error) {
      const code = (error as { problem?: { code?: unknown } }).problem?.code;
      if (code === 'CONCURRENCY_CONFLICT') this.metrics.command(aggregate, command, 'conflict', code);
      else if (typeof code === 'string') this.metrics.command(aggregate, command, 'refused', code);
      else this.metrics.command(aggregate, command, 'error');
      throw error;
    }
  }
}

/** Steps that each get a span under the command's. */
function tracedSteps(parent: Context): CommandSteps {
  return {
    decide: (work) => {
      const span = tracer.startSpan('decide', {}, parent);
      try {
        return work();
      } finally {
        span.end();
      }
    },
    append: (work) => inSpan('append', parent, {}, () => work()),
  };
}
