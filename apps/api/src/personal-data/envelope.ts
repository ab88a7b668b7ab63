import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A personal value as stored: AES-256-GCM of its JSON under the customer's data key `kid`, with
 * a fresh 96-bit IV. The hash chain covers this form, so checking it needs no key.
 */
export type Envelope = Readonly<{ $enc: 'v1'; kid: string; iv: string; tag: string; ct: string }>;

/** What a personal value reads as once its key has been destroyed. */
export const ERASED = '[erased]';

export function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && (value as { $enc?: unknown }).$enc === 'v1' && typeof (value as { kid?: unknown }).kid === 'string';
}

/** The envelope of `value` (any JSON value) under `key` (32 bytes), named `kid`. */
export function seal(value: unknown, kid: string, key: Buffer): Envelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The key id is authenticated with the text: an envelope cannot be passed off under another id.
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { $enc: 'v1', kid, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

/** The value inside `envelope`; throws when the key is not its key or the envelope was altered. */
export function open(envelope: Envelope, key: Buffer): unknown {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(Buffer.from(envelope.kid, 'utf8'));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(text) as unknown;
}
