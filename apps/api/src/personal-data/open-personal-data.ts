import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { loadMasterKey } from './master-key';
import { PersonalDataCipher } from './personal-data-cipher';
import { SqliteKeyStore } from './sqlite-key-store';

export interface PersonalDataLog {
  log(message: string): void;
  warn(message: string): void;
}

/** The cipher of personal data over the local key store, `<DATA_DIR>/keys.db`, and the master key. */
export function openPersonalData(
  config: Pick<AppConfig, 'dataDir' | 'piiMasterKeyFile' | 'piiMasterKeyInDataDir'>,
  logger: PersonalDataLog = new Logger('PersonalData'),
): PersonalDataCipher {
  const { key, created } = loadMasterKey(config.piiMasterKeyFile);
  if (created) logger.log(`generated the master key of personal data in ${config.piiMasterKeyFile}: back it up apart from DATA_DIR`);
  if (config.piiMasterKeyInDataDir) logger.warn(`the master key of personal data (${config.piiMasterKeyFile}) is inside DATA_DIR: set PII_MASTER_KEY_FILE to a path outside it`);
  return new PersonalDataCipher(new SqliteKeyStore(resolve(config.dataDir, 'keys.db'), key), (message) => logger.warn(message));
}
