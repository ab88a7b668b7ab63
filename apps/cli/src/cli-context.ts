import type { OnApplicationShutdown } from '@nestjs/common';
import { openEventStore, type EventStore } from '@app/event-store';
import { ProjectionRunner, ReadModelStore } from '@app/projections';
import type { AppConfig } from '../../api/src/config/app-config';
import { PolicyCatalog } from '../../api/src/policies/policy-catalog';
import { openPersonalData } from '../../api/src/personal-data/open-personal-data';
import type { PersonalDataCipher } from '../../api/src/personal-data/personal-data-cipher';
import { apiProjections } from '../../api/src/projections/api-projections';

/**
 * What the commands work on, opened only when a command asks for it: `restore` must not hold
 * the store file it replaces, and `verify` needs no read models.
 */
export class CliContext implements OnApplicationShutdown {
  private store?: Promise<EventStore>;
  private readModels?: ReadModelStore;
  private policies?: PolicyCatalog;
  private runner?: ProjectionRunner;
  private cipher?: PersonalDataCipher;

  constructor(readonly config: AppConfig) {}

  eventStore(): Promise<EventStore> {
    this.store ??= openEventStore(this.config.eventStore, { sqliteSynchronous: this.config.sqliteSynchronous });
    return this.store;
  }

  /** Opens personal fields with the keys of `<DATA_DIR>/keys.db` (see PII_MASTER_KEY_FILE). */
  personalData(): PersonalDataCipher {
    // Its notes go to stderr: stdout carries the command's answer.
    this.cipher ??= openPersonalData(this.config, {
      log: (m) => process.stderr.write(`${m}\n`),
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
    });
    return this.cipher;
  }

  policyCatalog(): PolicyCatalog {
    this.policies ??= PolicyCatalog.fromFile(this.config.slaPoliciesFile);
    return this.policies;
  }

  async projectionRunner(): Promise<ProjectionRunner> {
    if (!this.runner) {
      const store = await this.eventStore();
      this.readModels = ReadModelStore.open(this.config.readModelPath);
      this.runner = new ProjectionRunner(store, this.readModels, apiProjections(this.policyCatalog().catalog, this.config.schedule), {
        logger: { log: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warning: ${m}\n`) },
      });
    }
    return this.runner;
  }

  async onApplicationShutdown(): Promise<void> {
    this.readModels?.close();
    this.cipher?.keyStore.close();
    if (this.store) await (await this.store).close();
  }
}
