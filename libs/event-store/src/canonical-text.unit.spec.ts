import fc from 'fast-check';
import { canonicalJson } from './audit-chain';
import { canonicalMetadataText, canonicalText } from './canonical-text';

/** What the verifier computed before: parse, then serialize canonically. */
function parsedCanonical(text: string): string {
  return canonicalJson(JSON.parse(text));
}

describe('canonical JSON from stored text', () => {
  it('reorders members at every level and keeps strings and numbers as written', () => {
    const value = {
      zone: 'urban',
      at: '2026-11-25T10:00:00.000Z',
      nested: { b: [3, { y: null, x: true }], a: false, '10': 1, '9': 2, é: 'ü', Z: 'upper first' },
      numbers: [0, -5, 0.1, 1.5e-7, 1e21, 123456789.125, -1e-7],
      text: 'quote " backslash \\ newline \n tab \t bell \u0007 unit \u001f del \u007f line sep \u2028 emoji 😀 中文',
      empty: {},
      none: [],
    };
    const text = JSON.stringify(value);
    expect(canonicalText(text)).toBe(canonicalJson(value));
    expect(canonicalText(text)).toBe(parsedCanonical(text));
  });

  it('gives back the text itself when it is already canonical', () => {
    const text = '{"a":[1,{"b":2,"c":"d"}],"e":"f"}';
    expect(canonicalText(text)).toBe(text);
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['a number not as JSON.stringify writes it', '{"a":1.0}'],
    ['an exponent JSON.stringify writes out', '{"a":1e3}'],
    ['negative zero', '{"a":-0}'],
    ['an escape JSON.stringify does not write', '{"a":"\\u0041"}'],
    ['a control escape in upper case', '{"a":"\\u001F"}'],
    ['a long escape for a short one', '{"a":"\\u000a"}'],
    ['an escaped slash', '{"a":"\\/"}'],
    ['an escaped lone surrogate', '{"a":"\\ud800"}'],
    ['an escaped surrogate pair', '{"a":"\\ud83d\\ude00"}'],
    ['a raw lone surrogate', '{"a":"\ud800"}'],
    ['a raw control character', '{"a":"x\ny"}'],
    ['a repeated key in order', '{"a":1,"a":2}'],
    ['a repeated key out of order', '{"b":1,"a":2,"b":3}'],
    ['a key with an escape', '{"\\n":1}'],
    ['text after the value', '{"a":1}x'],
    ['a missing closing brace', '{"a":1'],
    ['an unterminated string', '{"a":"b'],
    ['not JSON', 'not json'],
    ['empty text', ''],
    ['nesting deeper than 64 levels', `${'['.repeat(70)}${']'.repeat(70)}`],
  ])('declines %s', (_, text) => {
    expect(canonicalText(text)).toBeUndefined();
  });

  it('never answers other than parse-then-canonicalJson, for any text', () => {
    // Texts JSON.stringify writes, and the same with one character dropped, doubled or replaced.
    const texts = fc
      .tuple(fc.jsonValue(), fc.nat(), fc.constantFrom('drop', 'double', 'space', 'quote', 'backslash', 'keep'))
      .map(([value, at, edit]) => {
        const text = JSON.stringify(value);
        const i = text.length === 0 ? 0 : at % text.length;
        switch (edit) {
          case 'drop':
            return text.slice(0, i) + text.slice(i + 1);
          case 'double':
            return text.slice(0, i) + text[i] + text.slice(i);
          case 'space':
            return `${text.slice(0, i)} ${text.slice(i)}`;
          case 'quote':
            return `${text.slice(0, i)}"${text.slice(i)}`;
          case 'backslash':
            return `${text.slice(0, i)}\\${text.slice(i)}`;
          default:
            return text;
        }
      });
    fc.assert(
      fc.property(fc.oneof(texts, fc.string({ unit: 'binary' })), (text) => {
        const canonical = canonicalText(text);
        if (canonical === undefined) return;
        expect(canonical).toBe(parsedCanonical(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('handles every text JSON.stringify writes, unless a key needs an escape or a string holds a lone surrogate', () => {
    const handled = (value: unknown): boolean => {
      if (typeof value === 'string') return !JSON.stringify(value).includes('\\ud');
      if (value === null || typeof value !== 'object') return true;
      if (Array.isArray(value)) return value.every(handled);
      return Object.entries(value).every(([key, item]) => JSON.stringify(key) === `"${key}"` && handled(item));
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue()), (value) => {
        fc.pre(handled(value));
        const text = JSON.stringify(value);
        expect(canonicalText(text)).toBe(parsedCanonical(text));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('canonical metadata from stored text', () => {
  it('leaves out the top-level hash and previousHash and hands out their values', () => {
    const metadata = { commandId: 'c', actor: { role: 'service', hash: 'nested stays' }, previousHash: 'p'.repeat(64), hash: 'h'.repeat(64) };
    const { hash, previousHash, ...rest } = metadata;
    expect(canonicalMetadataText(JSON.stringify(metadata))).toEqual({ canonical: canonicalJson(rest), hash, previousHash });
  });

  it('leaves out the top-level seal too and hands out its value', () => {
    const metadata = { seal: 's'.repeat(64), commandId: 'c', previousHash: 'p'.repeat(64), hash: 'h'.repeat(64), z: { seal: 'nested stays' } };
    const { hash, previousHash, seal, ...rest } = metadata;
    expect(canonicalMetadataText(JSON.stringify(metadata))).toEqual({ canonical: canonicalJson(rest), hash, previousHash, seal });
  });

  it('hands out undefined for hash fields that are absent', () => {
    expect(canonicalMetadataText('{"b":1,"a":2}')).toEqual({ canonical: '{"a":2,"b":1}', hash: undefined, previousHash: undefined });
  });

  it.each([
    ['metadata that is not an object', '[1]'],
    ['a hash that is not a string', '{"hash":1}'],
    ['a hash with an escape', '{"hash":"a\\"b"}'],
    ['a repeated hash', '{"hash":"a","hash":"b"}'],
    ['a repeated previousHash', '{"previousHash":"a","x":1,"previousHash":"b"}'],
    ['a seal that is not a string', '{"seal":null}'],
    ['a repeated seal', '{"seal":"a","seal":"b"}'],
  ])('declines %s', (_, text) => {
    expect(canonicalMetadataText(text)).toBeUndefined();
  });
});
