import { randomBytes } from 'node:crypto';
import { isEnvelope, open, seal } from './envelope';

describe('envelope', () => {
  const key = randomBytes(32);

  it('opens to the value sealed, whatever JSON it is', () => {
    for (const value of ['Wang Fang', '王芳 138 0013 8000', 42, ['a', 'b'], { name: 'x' }]) {
      const envelope = seal(value, 'k1', key);
      expect(isEnvelope(envelope)).toBe(true);
      expect(open(envelope, key)).toEqual(value);
    }
  });

  it('holds the key id and no trace of the text', () => {
    const envelope = seal('han.mei@example.cn', 'k1', key);
    expect(Object.keys(envelope).sort()).toEqual(['$enc', 'ct', 'iv', 'kid', 'tag']);
    expect(envelope).toMatchObject({ $enc: 'v1', kid: 'k1' });
    expect(JSON.stringify(envelope)).not.toContain('han.mei');
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
  });

  it('uses a fresh IV each time: the same value seals differently', () => {
    const a = seal('same', 'k1', key);
    const b = seal('same', 'k1', key);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it('refuses another key, an altered text and an envelope passed off under another key id', () => {
    const envelope = seal('secret', 'k1', key);
    expect(() => open(envelope, randomBytes(32))).toThrow();
    const ct = Buffer.from(envelope.ct, 'base64');
    ct[0] ^= 1;
    expect(() => open({ ...envelope, ct: ct.toString('base64') }, key)).toThrow();
    expect(() => open({ ...envelope, kid: 'k2' }, key)).toThrow();
  });

  it('tells an envelope from other values', () => {
    expect(isEnvelope({ $enc: 'v1', kid: 'k' })).toBe(true);
    expect(isEnvelope({ $enc: 'v2', kid: 'k' })).toBe(false);
    expect(isEnvelope('text')).toBe(false);
    expect(isEnvelope(null)).toBe(false);
  });
});
