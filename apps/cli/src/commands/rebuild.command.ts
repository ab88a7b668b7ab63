import { Command, CommandRunner, Option } from 'nest-commander';
import { CliContext } from '../cli-context';

interface RebuildOptions {
  compare?: boolean;
  json?: boolean;
}

/**
 * Rebuilds a projection from the start of the log into new tables and swaps them in. With
 * --compare, first counts the rows that differ from the live tables; any difference is exit 1.
 */
@Command({ name: 'rebuild', arguments: '<projection>', description: 'rebuild a projection from zero (sla-compliance, satisfaction)' })
export class RebuildCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run([name]: string[], options: RebuildOptions): Promise<void> {
    const started = Date.now();
    const result = await (await this.context.projectionRunner()).rebuild(name, { compare: options.compare });
    const seconds = (Date.now() - started) / 1000;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ projection: name, ...result, seconds })}\n`);
    } else {
      process.stdout.write(`rebuilt ${name} into generation ${result.generation} in ${seconds.toFixed(1)} s\n`);
      if (result.differences !== undefined) {
        process.stdout.write(result.differences === 0 ? 'identical to the live rows\n' : `${result.differences} rows differ from the live rows\n`);
      }
    }
    if (result.differences) process.exitCode = 1;
  }

  @Option({ flags: '--compare', description: 'count the rows that differ from the live tables before swapping' })
  parseCompare(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson(): boolean {
    return true;
  }
}
