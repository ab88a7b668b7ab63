import { Command, CommandRunner, Option } from 'nest-commander';
import { toHistoryEvent } from '../../../api/src/audit/audit.queries';
import { CliContext } from '../cli-context';

/**
 * Every event in position order as JSON Lines, with stream and hash, for archiving; bounded by
 * recording time. Personal fields stay sealed, as stored: the archive checks against the hashes,
 * and erasing a customer's key erases them in every archive too. `--decrypt` opens them.
 */
@Command({ name: 'export', description: 'write the log as JSON Lines (stdout), --from/--to by recording time (the hashed one); --decrypt opens personal fields' })
export class ExportCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(_: string[], options: { from?: string; to?: string; decrypt?: boolean }): Promise<void> {
    const personalData = options.decrypt ? this.context.personalData() : undefined;
    const from = options.from ? Date.parse(options.from) : Number.NEGATIVE_INFINITY;
    const to = options.to ? Date.parse(options.to) : Number.POSITIVE_INFINITY;
    let written = 0;
    let seen = 0;
    for await (const stored of (await this.context.eventStore()).readAll()) {
      seen += 1;
      if (seen % 100_000 === 0) process.stderr.write(`… ${seen} events read, ${written} written\n`);
      const event = personalData ? (await personalData.reveal([stored]))[0] : stored;
      const line = toHistoryEvent(event);
      // The recording time inside the hashed metadata, so an edited row cannot slip out of a period.
      const recorded = Date.parse(line.recordedAt);
      if (recorded < from || recorded >= to) continue;
      if (!process.stdout.write(`${JSON.stringify({ stream: event.stream, ...line })}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      written += 1;
    }
    process.stderr.write(`exported ${written} of ${seen} events\n`);
  }

  @Option({ flags: '--from <time>', description: 'first recording time, inclusive' })
  parseFrom(value: string): string {
    if (Number.isNaN(Date.parse(value))) throw new Error(`--from ${value} is not a time`);
    return value;
  }

  @Option({ flags: '--decrypt', description: 'open the personal fields (erased ones read "[erased]"); the hashes then cover the sealed form, not what is shown' })
  parseDecrypt(): boolean {
    return true;
  }

  @Option({ flags: '--to <time>', description: 'last recording time, exclusive' })
  parseTo(value: string): string {
    if (Number.isNaN(Date.parse(value))) throw new Error(`--to ${value} is not a time`);
    return value;
  }
}
