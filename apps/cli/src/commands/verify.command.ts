import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import type { EventStore } from '@app/event-store';
import { verifyStore } from '../../../api/src/audit/audit.queries';
import { EVENT_STORE } from '../tokens';

/** Checks the hash chain of every stream (or one); exit code 3 when anything is broken. */
@Command({ name: 'verify', description: 'check that no stored event was changed, removed or reordered' })
export class VerifyCommand extends CommandRunner {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {
    super();
  }

  async run(_: string[], options: { stream?: string; json?: boolean }): Promise<void> {
    const started = Date.now();
    const result = await verifyStore(this.store, options.stream, (checked) => process.stderr.write(`… ${checked} events checked\n`));
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
