import type { CommandContext } from '../tickets/command-context';
import type { CommandOutcome } from './stream-commands';

/** The steps of one command that are measured on their own: deciding, and appending what was decided. */
export interface CommandSteps {
  decide<T>(work: () => T): T;
  append<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * What watches commands run (counts by outcome, spans): `run` wraps one command, handing it the
 * steps to wrap in turn. Without one, commands run unwatched.
 */
export interface CommandTelemetry {
  run(aggregate: string, command: string, context: CommandContext, work: (steps: CommandSteps) => Promise<CommandOutcome>): Promise<CommandOutcome>;
}

/** Steps that only run their work. */
export const UNWATCHED_STEPS: CommandSteps = {
  decide: (work) => work(),
  append: (work) => work(),
};
