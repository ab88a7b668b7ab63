import type { RecordedEvent } from '@app/event-store';
import { evolveAsset, initialAssetState, ASSET_EVENT_TYPES, decideAsset, type AssetCommand, type AssetEvent, type AssetState } from '@app/ticketing';
import type { AggregateType } from '../commands/stream-commands';

export const assetStream = (assetId: string) => `asset-${assetId}`;

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
