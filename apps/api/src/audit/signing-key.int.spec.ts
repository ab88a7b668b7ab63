import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey } from './signing-key';

describe('the audit signing key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signing-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('unset: created once under DATA_DIR with mode 0600, then read back as the same key', () => {
    const config = { auditSigningKey: { path: join(dir, 'data', 'audit-signing-key.pem'), generated: true } };
    const created = loadOrCreateSigningKey(config);
    expect(created.created).toBe(true);
    expect(statSync(config.auditSigningKey.path).mode & 0o777).toBe(0o600);
    const again = loadOrCreateSigningKey(config);
    expect(again.created).toBe(false);
    expect(again.logId).toBe(created.logId);
    expect(again.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(readFileSync(config.auditSigningKey.path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('set: never created; a missing file, a file that is no key or a key of another kind stops start-up', () => {
    const missing = { auditSigningKey: { path: join(dir, 'mounted', 'audit.pem'), generated: false } };
    expect(() => loadOrCreateSigningKey(missing)).toThrow(`AUDIT_SIGNING_KEY_FILE ${missing.auditSigningKey.path} does not exist`);
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key');
    expect(() => loadOrCreateSigningKey({ auditSigningKey: { path: garbage, generated: false } })).toThrow('is not a PEM private key');
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadOrCreateSigningKey({ auditSigningKey: { path: rsa, generated: false } })).toThrow('is rsa, not Ed25519');
  });

  it('the CLI does not create one: it says the API makes it on its first start', () => {
    expect(() => loadOrCreateSigningKey({ auditSigningKey: { path: join(dir, 'none', 'k.pem'), generated: true } }, false)).toThrow('the API creates it on its first start');
  });
});
