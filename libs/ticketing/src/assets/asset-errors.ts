import type { TicketErrorKind } from '../ticket-errors';

/**
 * The asset's rule violations, as values with the ticket errors' shape: a stable `code`, a
 * `kind` the HTTP layer maps (not_found 404, conflict 409, invalid 400), a `message` that says
 * what the asset holds and why, and the `field` at fault when one input is.
 */
export const ASSET_ERROR_KINDS = {
  /** A command other than RegisterAsset for an asset that has no events. */
  ASSET_NOT_FOUND: 'not_found',
  /** RegisterAsset for an asset that already exists. */
  ASSET_ALREADY_EXISTS: 'conflict',
  /** ConsumeEntitlement with no unit left (for inspections: in that coverage year, or outside the coverage years). */
  ENTITLEMENT_EXHAUSTED: 'conflict',
  /** ConsumeEntitlement for a ticket that already used a different entitlement (a ticket has one kind). */
  ALREADY_CONSUMED: 'conflict',
  /** RecordRepair for a ticket already recorded with another category or report time. */
  REPAIR_ALREADY_RECORDED: 'conflict',
  /** AssessRepair for a ticket with no repair recorded on this asset. */
  REPAIR_NOT_RECORDED: 'conflict',
  /** PlanRevisit for a due date and purpose already planned and not done. */
  REVISIT_ALREADY_PLANNED: 'conflict',
  /** CompleteAssetRevisit naming a due date with no open plan. */
  REVISIT_NOT_PLANNED: 'conflict',
  /** ExtendCoverage for a category the asset has no coverage for. */
  UNKNOWN_CATEGORY: 'invalid',
  /** `at` earlier than the asset's latest event. */
  AT_BEFORE_LAST_EVENT: 'invalid',
  /** `at` (or a reported time or inspection date) after `now`. */
  AT_IN_FUTURE: 'invalid',
  /** A missing or malformed field, an unknown command type, an unparsable `now`. */
  INVALID_INPUT: 'invalid',
} as const satisfies Record<string, TicketErrorKind>;

export type AssetErrorCode = keyof typeof ASSET_ERROR_KINDS;

export type AssetError = Readonly<{ code: AssetErrorCode; kind: TicketErrorKind; message: string; field?: string }>;

export function assetError(code: AssetErrorCode, message: string, field?: string): AssetError {
  return field === undefined
    ? { code, kind: ASSET_ERROR_KINDS[code], message }
    : { code, kind: ASSET_ERROR_KINDS[code], message, field };
}

/** Thrown by `evolveAsset` for a stream that cannot be an asset's history. */
export class CorruptAssetHistory extends Error {
  readonly code = 'CORRUPT_ASSET_HISTORY';
  constructor(
    message: string,
    readonly eventType: string,
    readonly version: number,
  ) {
    super(message);
    this.name = 'CorruptAssetHistory';
  }
}
