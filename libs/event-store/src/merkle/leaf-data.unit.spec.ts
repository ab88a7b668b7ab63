import { describe, expect, it } from '@jest/globals';
import { leafData, leafHashOf, sealOf, type LeafEvent } from './leaf-data';

const event: LeafEvent = { stream: 'ticket-1', revision: 2, position: { commit: 42n, prepare: 40n }, hash: 'ab'.repeat(32), seal: 'cd'.repeat(32) };

/** Length-prefixed UTF-8 fields, written out by hand. */
function encoded(...fields: string[]): Buffer {
  return Buffer.concat(fields.flatMap((field) => {
    const text = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(text.length);
    return [length, text];
  }));
}

describe('leaf data', () => {
  it('is the stream, revision, position, chain hash and seal, each length-prefixed', () => {
    expect(leafData(event)).toEqual(encoded('ticket-1', '2', '42/40', 'ab'.repeat(32), 'cd'.repeat(32)));
    expect(leafData({ ...event, position: { commit: 7n, prepare: 7n }, seal: '' })).toEqual(encoded('ticket-1', '2', '7', 'ab'.repeat(32), ''));
  });

  it('changes when the seal is stripped or altered, so a saved head covers each seal', () => {
    const sealed = leafHashOf(event);
    expect(leafHashOf({ ...event, seal: '' })).not.toEqual(sealed);
    expect(leafHashOf({ ...event, seal: 'ce'.repeat(32) })).not.toEqual(sealed);
    // The fields cannot be shifted into one another: moving the seal's text into the hash gives another leaf.
    expect(leafHashOf({ ...event, hash: event.hash + event.seal, seal: '' })).not.toEqual(sealed);
  });

  it("reads the seal from an event's metadata, '' when absent or not text", () => {
    expect(sealOf({ hash: 'x', seal: 'ff' })).toBe('ff');
    expect(sealOf({ hash: 'x' })).toBe('');
    expect(sealOf({ seal: 12 })).toBe('');
  });
});
