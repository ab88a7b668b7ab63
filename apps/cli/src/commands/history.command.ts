import { Command, CommandRunner, Option } from 'nest-commander';
import { readStreamOrEmpty } from '@app/event-store';
import { toHistoryEvent } from '../../../api/src/audit/audit.queries';
import { CliContext } from '../cli-context';
import { streamOf } from './stream-name';

/** Every event of a ticket (or any stream) with who caused it, when, and its hash. */
@Command({ name: 'history', arguments: '<id>', description: 'every event of a ticket id (or a stream name such as asset-<id>)' })
export class HistoryCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run([id]: string[], options: { json?: boolean }): Promise<void> {
    const stream = streamOf(id);
    const events = (await this.context.personalData().reveal(await readStreamOrEmpty(await this.context.eventStore(), stream))).map(toHistoryEvent);
    if (events.length === 0) {
      process.stderr.write(`${stream} has no events\n`);
      process.exitCode = 1;
      return;
    }
    if (options.json) {
      for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    process.stdout.write(`${stream}: ${events.length} events\n`);
    for (const event of events) {
      const actor = event.metadata.actor as { name?: string; role?: string } | undefined;
      const at = typeof event.data.at === 'string' ? event.data.at : '';
      process.stdout.write(
        `#${event.revision} ${event.type.padEnd(22)} at ${at} by ${actor?.role ?? '?'}:${actor?.name ?? '?'} recorded ${event.recordedAt} hash ${event.hash?.slice(0, 12) ?? '-'}\n`,
      );
    }
  }

  @Option({ flags: '--json', description: 'one JSON event per line' })
  parseJson(): boolean {
    return true;
  }
}
