import { readFileSync } from 'node:fs';
import { Command, CommandRunner, Option } from 'nest-commander';
import { verifyStore } from '../../../api/src/audit/verify-chains';
import { CliContext } from '../cli-context';
import { auditPublicKey, auditSealKey } from './audit-keys';
import { auditLogSince } from './log-audit';

/** Checks the hash chain of every stream (or one); exit code 3 when anything is broken. */
@Command({ name: 'verify', description: 'check that no stored event was changed, removed or reordered' })
export class VerifyCommand extends CommandRunner {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(_: string[], options: { stream?: string; json?: boolean; since?: string; publicKey?: string }): Promise<void> {
    if (options.since !== undefined) return this.since(options.since, options);
    const started = Date.now();
    const result = await verifyStore(await this.context.eventStore(), options.stream, (checked) => process.stderr.write(`… ${checked} events checked\n`));
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `${result.ok ? 'OK' : 'BROKEN'}: ${result.checkedEvents} events in ${result.checkedStreams} streams checked in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      for (const broken of result.broken) process.stdout.write(`  ${broken.stream} revision ${broken.revision}: ${broken.reason}\n`);
      if (result.foreignEvents?.skipped) {
        process.stdout.write(`NOTE ${result.foreignEvents.skipped} events of other writers passed over (in no chain); the last: ${result.foreignEvents.last}\n`);
      }
    }
    if (!result.ok) process.exitCode = 3;
  }

  @Option({ flags: '--stream <stream>', description: 'one stream only, as in ticket-<id>' })
  parseStream(value: string): string {
    return value;
  }

  /** The log against a head saved before: exit 3, the first line naming what is wrong, when it did not only grow. */
  private async since(file: string, options: { json?: boolean; publicKey?: string }): Promise<void> {
    const config = this.context.config;
    const publicKey = auditPublicKey(config, options.publicKey);
    const audit = await auditLogSince({
      store: await this.context.eventStore(),
      treePath: config.auditTreePath,
      publicKey,
      seal: auditSealKey(config, publicKey),
      saved: JSON.parse(readFileSync(file, 'utf8')),
      densePositions: config.eventStore.kind === 'sqlite',
      progress: (events) => process.stderr.write(`… ${events} events checked\n`),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(audit)}\n`);
    else if (audit.ok) {
      process.stdout.write(`OK: the log of ${audit.events} events extends the saved head of ${audit.savedHead.treeSize}; every chain, leaf${audit.sealedFrom !== undefined ? ', seal' : ''} and signed head matches\n`);
    } else {
      process.stdout.write(`NOT CONSISTENT with ${file}: ${audit.findings[0].kind} ${audit.findings[0].message}\n`);
      for (const finding of audit.findings.slice(1)) process.stdout.write(`  ${finding.kind} ${finding.message}\n`);
    }
    if (!options.json) {
      if (audit.sealedFrom !== undefined) process.stdout.write(`  seals checked from event ${audit.sealedFrom} on\n`);
      for (const note of audit.notes) process.stdout.write(`  NOTE ${note}\n`);
    }
    if (!audit.ok) process.exitCode = 3;
  }

  @Option({ flags: '--since <head.json>', description: 'also check that the log only grew since this saved tree head (from `tree-head`)' })
  parseSince(value: string): string {
    return value;
  }

  @Option({ flags: '--public-key <file>', description: 'the PEM public key heads are checked with (default: the server\'s audit key)' })
  parsePublicKey(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson(): boolean {
    return true;
  }
}
