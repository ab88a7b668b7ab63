import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../../../api/src/config/app-config';
import { loadOrCreateSigningKey } from '../../../api/src/audit/signing-key';

/** The key heads are checked with: a public key file given by the auditor, else the server's own key. */
export function auditPublicKey(config: AppConfig, file?: string): KeyObject {
  if (file !== undefined) return createPublicKey(readFileSync(file, 'utf8'));
  return loadOrCreateSigningKey(config, false).publicKey;
}
