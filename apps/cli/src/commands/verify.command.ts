import { Command, CommandRunner, Option } from 'nest-commander';
import { verifyStore } from '../../../api/src/audit/verify-chains';
import { CliContext } from '../cli-context';

/** Checks the hash chain of every stream (or one); exit code 3 when anything is broken. */
@Command({ name: 'verify', description: 'check that no stored event was changed, removed or reordered' })
export class VerifyCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(_: string[], options: { stream?: string; json?: boolean }): Promise<void> {
    const started = Date.now();
    const result = await verifyStore(await this.context.eventStore(), options.stream, (checked) => process.stderr.write(`… ${checked} events checked\n`));
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `${result.ok ? 'OK' : 'BROKEN'}: ${result.checkedEvents} events in ${result.checkedStreams} streams checked in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      for (const broken of result.broken) process.stdout.write(`  ${broken.stream} revision ${broken.revision}: ${broken.reason}\n`);
    }
    if (!result.ok) process.exitCode = 3;
  }

  @Option({ flags: '--stream <stream>', description: 'one stream only, as in ticket-<id>' })
  parseStream(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson(): boolean {
    return true;
  }
}
