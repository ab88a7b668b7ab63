import { Command, CommandRunner, Option } from 'nest-commander';
import { GetTicketAsOf, GetTicketAsOfHandler } from '../../../api/src/audit/audit.queries';
import { CliContext } from '../cli-context';

/** A ticket replayed to a moment (business time) or a revision, with its clocks as they were. */
@Command({ name: 'state', arguments: '<ticketId>', description: 'the ticket as it was at --as-of <time> or --revision <n>' })
export class StateCommand extends CommandRunner {
  constructor(
    private readonly context: CliContext,
  ) {
    super();
  }

  async run([ticketId]: string[], options: { asOf?: string; revision?: number; json?: boolean }): Promise<void> {
    if ((options.asOf === undefined) === (options.revision === undefined)) throw new Error('give exactly one of --as-of and --revision');
    const point = options.revision !== undefined ? { revision: options.revision } : { asOf: new Date(options.asOf!).toISOString() };
    const state = await new GetTicketAsOfHandler(await this.context.eventStore(), this.context.policyCatalog(), this.context.personalData()).execute(new GetTicketAsOf(ticketId.toLowerCase(), point));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(state)}\n`);
      return;
    }
    if (state.status === 'none') return;
    process.stdout.write(`ticket ${ticketId} at ${state.asOf} (revision ${state.revision}): ${state.status}, ${state.severity}, ${state.kind}\n`);
    for (const clock of state.clocks) {
      process.stdout.write(`  ${clock.metric.padEnd(17)} ${clock.state.padEnd(8)} due ${clock.dueAt}  ${clock.percentUsed}% of ${clock.target}\n`);
    }
  }

  @Option({ flags: '--as-of <time>', description: 'ISO 8601 date-time with a zone' })
  parseAsOf(value: string): string {
    // A time without a zone would be read in this machine's zone: refused, as the API refuses it.
    if (!/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
      throw new Error(`--as-of ${value} must be a date-time with a zone, as in 2026-11-25T10:00:00Z`);
    }
    return value;
  }

  @Option({ flags: '--revision <n>', description: 'replay up to and including this revision' })
  parseRevision(value: string): number {
    if (!/^\d+$/.test(value)) throw new Error(`--revision ${value} is not a revision`);
    return Number(value);
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson(): boolean {
    return true;
  }
}
