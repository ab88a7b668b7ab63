import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, type Role } from '../config/app-config';

/** Who is calling: the key's role and a short, stable, non-secret id of the key. */
export interface Principal {
  readonly role: Role;
  readonly keyId: string;
}

interface StoredKey {
  readonly principal: Principal;
  readonly digest: Buffer;
}

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** The key id names a key in logs and event metadata without revealing it. */
export const keyIdOf = (key: string) => `key-${digest(key).subarray(0, 6).toString('hex')}`;

/**
 * The configured API keys. Lookups compare SHA-256 digests with `timingSafeEqual` against every
 * key, without stopping at a match, so the time taken says nothing about which key came close.
 */
export class KeyRing {
  private readonly keys: StoredKey[];

  constructor(keys: ReadonlyArray<{ role: Role; key: string }>) {
    this.keys = keys.map(({ role, key }) => ({ principal: { role, keyId: keyIdOf(key) }, digest: digest(key) }));
  }

  identify(presented: string): Principal | undefined {
    const candidate = digest(presented);
    let found: Principal | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, candidate)) found = key.principal;
    }
    return found;
  }
}

export const KEY_FILE_NAME = 'api-keys.json';

/**
 * With no API_KEYS configured, the server uses `<DATA_DIR>/api-keys.json`, creating it on first
 * start with one random key per role (mode 0600). Returns the keys and whether the file is new.
 */
export function loadOrCreateKeyFile(dataDir: string): { keys: Array<{ role: Role; key: string }>; path: string; created: boolean } {
  const path = join(dataDir, KEY_FILE_NAME);
  if (existsSync(path)) {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { keys?: Array<{ role: Role; key: string }> };
    const keys = (parsed.keys ?? []).filter((k) => ROLES.includes(k.role) && typeof k.key === 'string' && k.key.length >= 16);
    if (keys.length === 0) throw new Error(`${path} holds no usable keys`);
    return { keys, path, created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const keys = ROLES.map((role) => ({ role, key: `${role}_${randomBytes(24).toString('base64url')}` }));
  writeFileSync(path, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { keys, path, created: true };
}
