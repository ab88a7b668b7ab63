import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A master key file is 32 random bytes in base64, one line. */
const KEY_BYTES = 32;

/** A master key file that cannot be used: its message is the one line start-up prints. */
export class MasterKeyError extends Error {}

/**
 * The master key that wraps the data keys: read from `path`, or generated there (mode 0600) when
 * the file does not exist yet. `created` says it was generated now.
 */
export function loadMasterKey(path: string): { key: Buffer; created: boolean } {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const key = randomBytes(KEY_BYTES);
    // 'wx': never overwrite a key another process wrote meanwhile (it would orphan every data key).
    try {
      writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
      return { key, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new MasterKeyError(`PII_MASTER_KEY_FILE ${path}: ${(error as Error).message}`);
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new MasterKeyError(`PII_MASTER_KEY_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw new MasterKeyError(`PII_MASTER_KEY_FILE ${path} must hold ${KEY_BYTES} bytes in base64 on one line`);
  }
  return { key, created: false };
}
