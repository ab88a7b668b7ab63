/**
 * Canonical JSON (see `audit-chain.ts`) computed from stored JSON text without parsing it into
 * values: what `canonicalJson(JSON.parse(text))` gives, found by one pass over the text that keeps
 * its strings and numbers as they are written and only reorders object members.
 *
 * It handles the text `JSON.stringify` writes (no whitespace, its escapes, its numbers, unique
 * keys without escapes) and declines everything else by returning undefined: the caller then
 * parses and serializes as before, so a declined text is never judged differently, only slower.
 */

/** The members of the top-level object left out of the metadata's canonical form. */
const HASH_KEYS = ['hash', 'previousHash', 'seal'];
const MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** A number token as JSON's grammar has it; whether JSON.stringify writes it so is checked apart. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Declined extends Error {}
const DECLINED = new Declined();

/** The stored metadata's canonical form without `hash`, `previousHash` and `seal`, and those values. */
export interface CanonicalMetadata {
  readonly canonical: string;
  readonly hash: string | undefined;
  readonly previousHash: string | undefined;
  readonly seal: string | undefined;
}

/** `canonicalJson(JSON.parse(text))`, or undefined when the text is not of the kind handled here. */
export function canonicalText(text: string): string | undefined {
  try {
    const reader = new Reader(text);
    const canonical = reader.value(0);
    return reader.at === text.length ? canonical : undefined;
  } catch (error) {
    if (error === DECLINED) return undefined;
    throw error;
  }
}

/**
 * For the metadata of a chained event: the canonical form of the object without its top-level
 * `hash`, `previousHash` and `seal`, with their values (undefined when absent). Undefined when the
 * text is not an object of the kind handled here, or when any of them is there but not a plain string.
 */
export function canonicalMetadataText(text: string): CanonicalMetadata | undefined {
  try {
    const reader = new Reader(text);
    if (text.charCodeAt(0) !== OPEN_BRACE) return undefined;
    const hashes: Array<string | undefined> = [undefined, undefined, undefined];
    const canonical = reader.object(0, hashes);
    if (reader.at !== text.length) return undefined;
    return { canonical, hash: hashes[0], previousHash: hashes[1], seal: hashes[2] };
  } catch (error) {
    if (error === DECLINED) return undefined;
    throw error;
  }
}

/** A character that needs care inside a string: a quote or backslash escape, a control, a surrogate. */
const SPECIAL = /[\u0000-\u001f\\\ud800-\udfff]/;

class Reader {
  at = 0;
  /** How many objects so far had their members reordered: an unchanged count keeps a value's own text. */
  reordered = 0;

  /** No character of the text needs care: a string then ends at the next quote. */
  private readonly plain: boolean;

  constructor(private readonly text: string) {
    this.plain = !SPECIAL.test(text);
  }

  value(depth: number): string {
    const code = this.text.charCodeAt(this.at);
    if (code === QUOTE) return this.string(false);
    if (code === OPEN_BRACE) return this.object(depth, undefined);
    if (code === OPEN_BRACKET) return this.array(depth);
    if (code === 0x74) return this.literal('true');
    if (code === 0x66) return this.literal('false');
    if (code === 0x6e) return this.literal('null');
    return this.number();
  }

  /**
   * An object: its members in key order (UTF-16 code units, as Array.prototype.sort compares).
   * With `hashes`, the top-level `hash`, `previousHash` and `seal` are taken out into it.
   */
  object(depth: number, hashes: Array<string | undefined> | undefined): string {
    if (depth >= MAX_DEPTH) throw DECLINED;
    const text = this.text;
    const start = this.at;
    const reorderedBefore = this.reordered;
    this.at += 1;
    if (text.charCodeAt(this.at) === CLOSE_BRACE) {
      this.at += 1;
      return '{}';
    }
    // The members so far in key order (insertion sort: objects here have a handful of members).
    const keys: string[] = [];
    const texts: string[] = [];
    let sorted = true;
    for (;;) {
      const keyStart = this.at;
      this.string(true);
      const key = text.slice(keyStart + 1, this.at - 1);
      if (text.charCodeAt(this.at) !== COLON) throw DECLINED;
      this.at += 1;
      const valueStart = this.at;
      const reorderedBeforeValue = this.reordered;
      const value = this.value(depth + 1);
      const slot = hashes === undefined ? -1 : HASH_KEYS.indexOf(key);
      if (hashes !== undefined && slot !== -1) {
        // A plain string, once: anything else is left to the parser to judge.
        if (hashes[slot] !== undefined || value.charCodeAt(0) !== QUOTE || value.indexOf('\\') !== -1) throw DECLINED;
        hashes[slot] = value.slice(1, -1);
      } else {
        let place = keys.length;
        while (place > 0 && keys[place - 1] >= key) {
          // A repeated key, which JSON.parse resolves to its last value.
          if (keys[place - 1] === key) throw DECLINED;
          place -= 1;
        }
        const member = this.reordered === reorderedBeforeValue ? text.slice(keyStart, this.at) : `${text.slice(keyStart, valueStart)}${value}`;
        if (place === keys.length) {
          keys.push(key);
          texts.push(member);
        } else {
          sorted = false;
          keys.splice(place, 0, key);
          texts.splice(place, 0, member);
        }
      }
      const next = text.charCodeAt(this.at);
      this.at += 1;
      if (next === CLOSE_BRACE) break;
      if (next !== COMMA) throw DECLINED;
    }
    if (sorted && hashes === undefined && this.reordered === reorderedBefore) return text.slice(start, this.at);
    if (!sorted) this.reordered += 1;
    return `{${texts.join(',')}}`;
  }

  array(depth: number): string {
    if (depth >= MAX_DEPTH) throw DECLINED;
    const text = this.text;
    const start = this.at;
    const reorderedBefore = this.reordered;
    this.at += 1;
    if (text.charCodeAt(this.at) === CLOSE_BRACKET) {
      this.at += 1;
      return '[]';
    }
    const items: string[] = [];
    for (;;) {
      items.push(this.value(depth + 1));
      const next = text.charCodeAt(this.at);
      this.at += 1;
      if (next === CLOSE_BRACKET) break;
      if (next !== COMMA) throw DECLINED;
    }
    return this.reordered === reorderedBefore ? text.slice(start, this.at) : `[${items.join(',')}]`;
  }

  /**
   * A string exactly as JSON.stringify writes it: characters as themselves except `"`, `\` and
   * controls, which take its escapes; surrogates only in pairs. Keys take no escapes at all.
   */
  string(key: boolean): string {
    const text = this.text;
    if (text.charCodeAt(this.at) !== QUOTE) throw DECLINED;
    const start = this.at;
    if (this.plain) {
      const end = text.indexOf('"', start + 1);
      if (end === -1) throw DECLINED;
      this.at = end + 1;
      return text.slice(start, this.at);
    }
    let at = this.at + 1;
    for (;;) {
      const code = text.charCodeAt(at);
      if (code === QUOTE) break;
      if (code >= 0x20 && code !== BACKSLASH && (code < 0xd800 || code > 0xdfff)) {
        at += 1;
      } else if (code >= 0xd800 && code <= 0xdbff) {
        const low = text.charCodeAt(at + 1);
        if (!(low >= 0xdc00 && low <= 0xdfff)) throw DECLINED;
        at += 2;
      } else if (code === BACKSLASH && !key) {
        at += escapeLength(text, at);
      } else {
        throw DECLINED;
      }
    }
    this.at = at + 1;
    return text.slice(start, this.at);
  }

  literal(word: string): string {
    if (!this.text.startsWith(word, this.at)) throw DECLINED;
    this.at += word.length;
    return word;
  }

  /** A number written as JSON.stringify writes the value it stands for (so not `1.0`, `1e3`, `-0`). */
  number(): string {
    NUMBER.lastIndex = this.at;
    if (!NUMBER.test(this.text)) throw DECLINED;
    const token = this.text.slice(this.at, NUMBER.lastIndex);
    if (String(Number(token)) !== token) throw DECLINED;
    this.at = NUMBER.lastIndex;
    return token;
  }
}

/** The length of the escape at `at` when it is one JSON.stringify writes; declines otherwise. */
function escapeLength(text: string, at: number): number {
  const code = text.charCodeAt(at + 1);
  // \" \\ \b \f \n \r \t
  if (code === QUOTE || code === BACKSLASH || code === 0x62 || code === 0x66 || code === 0x6e || code === 0x72 || code === 0x74) return 2;
  // \u00XX in lower case for the other controls; a lone surrogate's \uDXXX is left to the parser.
  if (code === 0x75 && text.startsWith('00', at + 2)) {
    const high = text.charCodeAt(at + 4);
    const low = text.charCodeAt(at + 5);
    const lowDigit = (low >= 0x30 && low <= 0x39) || (low >= 0x61 && low <= 0x66);
    if (high === 0x31 && lowDigit) return 6;
    // 08 09 0a 0c 0d have short escapes.
    if (high === 0x30 && ((low >= 0x30 && low <= 0x37) || low === 0x62 || low === 0x65 || low === 0x66)) return 6;
  }
  throw DECLINED;
}
