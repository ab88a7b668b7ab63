import { createHash } from 'node:crypto';
import type { RecordedEvent } from '@app/event-store';
import { evolveAsset, initialAssetState, ASSET_EVENT_TYPES, decideAsset, type AssetCommand, type AssetEvent, type AssetState } from '@app/ticketing';
import type { AggregateType } from '../commands/stream-commands';

export const assetStream = (assetId: string) => `asset-${assetId}`;

/**
 * The asset id of a registration sent with an Idempotency-Key and no assetId: derived from the
 * key (a UUID in the shape of version 5), so that a retry lands on the same stream and finds its
 * first answer instead of registering a second asset.
 */
export function assetIdForKey(key: string): string {
  const hex = createHash('sha256').update(`asset:${key}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The current schema version of every asset event: the one place to upcast when a shape changes. */
const ASSET_SCHEMA_VERSION = 1;

export function toAssetEvent(recorded: RecordedEvent): AssetEvent {
  const version = recorded.metadata.schemaVersion ?? 1;
  if (!(ASSET_EVENT_TYPES as readonly string[]).includes(recorded.type) || version !== ASSET_SCHEMA_VERSION) {
    throw new Error(`${recorded.stream}@${recorded.revision}: ${recorded.type} v${String(version)} is not an asset event this version knows`);
  }
  return { type: recorded.type, data: recorded.data } as AssetEvent;
}

/** Folds an asset's events from the start, or onto `from`, the state of the events before them. */
export function foldAsset(recorded: readonly RecordedEvent[], from: AssetState = initialAssetState()): AssetState {
  return recorded.reduce<AssetState>((state, event) => evolveAsset(state, toAssetEvent(event)), from);
}

export const ASSETS: AggregateType<AssetState, AssetCommand, AssetEvent> = {
  name: 'asset',
  streamOf: assetStream,
  fold: foldAsset,
  decide: decideAsset,
  schemaVersion: () => ASSET_SCHEMA_VERSION,
};
