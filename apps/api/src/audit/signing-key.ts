import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { logIdOf } from '@app/event-store';
import type { AppConfig } from '../config/app-config';

/** The key that signs tree heads, and what auditors are given to check them. */
export interface AuditSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo PEM: what GET /v1/audit/public-key and `audit public-key` hand out. */
  readonly publicKeyPem: string;
  readonly logId: string;
  readonly path: string;
  readonly created: boolean;
}

/**
 * Reads the Ed25519 key (PKCS#8 PEM) that signs tree heads. Unset AUDIT_SIGNING_KEY_FILE: a key
 * under DATA_DIR, created on first start (mode 0600). A file named by AUDIT_SIGNING_KEY_FILE is
 * never created: a missing one is a mistake (a secret not mounted), and a new key would start a
 * new log identity without anyone asking for one.
 */
export function loadOrCreateSigningKey(config: Pick<AppConfig, 'auditSigningKey'>, create = true): AuditSigningKey {
  const { path, generated } = config.auditSigningKey;
  let created = false;
  if (!existsSync(path)) {
    if (!generated) throw new Error(`AUDIT_SIGNING_KEY_FILE ${path} does not exist`);
    if (!create) throw new Error(`there is no audit signing key at ${path} yet: the API creates it on its first start`);
    mkdirSync(dirname(path), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    created = true;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`the audit signing key ${path} is not a PEM private key: ${(error as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the audit signing key ${path} is ${privateKey.asymmetricKeyType}, not Ed25519`);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    logId: logIdOf(publicKey),
    path,
    created,
  };
}
