import { Command, CommandRunner } from 'nest-commander';
import { CliContext } from '../cli-context';

/** Runs the projection runner alone, against the same store and read models as the API (RUN_PROJECTIONS=false there). */
@Command({ name: 'project', description: 'follow the event log and keep the read models up to date, until SIGTERM or SIGINT' })
export class ProjectCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const runner = await this.context.projectionRunner();
    runner.start();
    process.stderr.write(`projecting ${runner.projections.map((p) => p.name).join(', ')}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await runner.stop();
    process.stderr.write('stopped\n');
  }
}
