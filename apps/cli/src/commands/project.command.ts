import { Inject } from '@nestjs/common';
import { Command, CommandRunner } from 'nest-commander';
import type { ProjectionRunner } from '@app/projections';
import { PROJECTION_RUNNER } from '../tokens';

/** Runs the projection runner alone, against the same store and read models as the API (RUN_PROJECTIONS=false there). */
@Command({ name: 'project', description: 'follow the event log and keep the read models up to date, until SIGTERM or SIGINT' })
export class ProjectCommand extends CommandRunner {
  constructor(@Inject(PROJECTION_RUNNER) private readonly runner: ProjectionRunner) {
    super();
  }

  async run(): Promise<void> {
    this.runner.start();
    process.stderr.write(`projecting ${this.runner.projections.map((p) => p.name).join(', ')}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await this.runner.stop();
    process.stderr.write('stopped\n');
  }
}
