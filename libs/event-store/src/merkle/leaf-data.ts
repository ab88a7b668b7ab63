import { formatPosition, type Position } from '../position';
import { leafHash } from './merkle-tree';

/** What of an event goes into its leaf: the chain hash covers the rest of its content. */
export interface LeafEvent {
  readonly stream: string;
  readonly revision: number;
  readonly position: Position;
  /** The event's chain hash (`metadata.hash`) as stored; '' when it has none. */
  readonly hash: string;
  /**
   * The event's seal (`metadata.seal`, the HMAC of its chain hash under the audit key) as stored;
   * '' when it has none. In the leaf so that a saved head covers it: stripping or changing the
   * seal of an event a head covers changes that head's tree.
   */
  readonly seal: string;
}

/**
 * The leaf data of an event, a fixed encoding a third party can rebuild: five fields in this
 * order, each as its length in bytes (4 bytes, big-endian) followed by its UTF-8 text:
 * the stream name, the revision in decimal, the position in its text form (`formatPosition`:
 * `"42"`, or `"42/40"` on EventStoreDB), the chain hash and the seal, both as stored
 * (lower-case hex, or empty).
 */
export function leafData(event: LeafEvent): Buffer {
  const fields = [event.stream, String(event.revision), formatPosition(event.position), event.hash, event.seal].map((text) => Buffer.from(text, 'utf8'));
  const out = Buffer.alloc(fields.reduce((sum, field) => sum + 4 + field.length, 0));
  let offset = 0;
  for (const field of fields) {
    offset = out.writeUInt32BE(field.length, offset);
    offset += field.copy(out, offset);
  }
  return out;
}

export function leafHashOf(event: LeafEvent): Buffer {
  return leafHash(leafData(event));
}

/** The chain hash of an event's metadata, or '' when it has none (the leaf still records where it is). */
export function chainHashOf(metadata: Record<string, unknown>): string {
  return typeof metadata.hash === 'string' ? metadata.hash : '';
}

/** The seal of an event's metadata, or '' when it has none (an event written before seals, or outside the API). */
export function sealOf(metadata: Record<string, unknown>): string {
  return typeof metadata.seal === 'string' ? metadata.seal : '';
}
