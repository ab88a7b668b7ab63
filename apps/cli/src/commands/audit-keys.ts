import { createPublicKey, type KeyObject } from 'node:crypto';
import { sealKeyOf } from '@app/event-store';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../../../api/src/config/app-config';
import { loadOrCreateSigningKey } from '../../../api/src/audit/signing-key';

/** The key heads are checked with: a public key file given by the auditor, else the server's own key. */
export function auditPublicKey(config: AppConfig, file?: string): KeyObject {
  if (file !== undefined) return createPublicKey(readFileSync(file, 'utf8'));
  return loadOrCreateSigningKey(config, false).publicKey;
}

/** The key event seals are checked with, or why the seal check is skipped. */
export type AuditSealKey = { readonly key: Buffer } | { readonly skipped: string };

/**
 * The seal key, derived from the private audit signing key (AUDIT_SIGNING_KEY_FILE): only where
 * the API runs, or wherever that key is at hand. Without it, or when it is not the key of the
 * public key heads are checked with, seals cannot be checked and verify says so.
 */
export function auditSealKey(config: AppConfig, publicKey: KeyObject): AuditSealKey {
  const path = config.auditSigningKey.path;
  let signing;
  try {
    signing = loadOrCreateSigningKey(config, false);
  } catch (error) {
    return { skipped: `event seals not checked: the private audit signing key cannot be read (${(error as Error).message})` };
  }
  if (!signing.publicKey.equals(publicKey)) return { skipped: `event seals not checked: the private audit signing key ${path} is not the key of the public key heads are checked with` };
  return { key: sealKeyOf(signing.privateKey) };
}
