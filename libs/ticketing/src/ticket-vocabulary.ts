/** The closed word lists of the ticket domain. The arrays are what input validation checks against. */

export const CHANNELS = ['phone', 'fax', 'web', 'email', 'onsite'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Asset ticket kinds that use one unit of the asset's entitlement of the same name (the free services). */
export const ENTITLEMENT_TICKET_KINDS = ['relocation', 'rebuild', 'inspection'] as const;
export type EntitlementTicketKind = (typeof ENTITLEMENT_TICKET_KINDS)[number];

/**
 * Kinds that concern a registered asset and so need an `assetId`: the entitlement kinds and a
 * `revisit`, a planned follow-up visit to the asset, which uses no entitlement.
 */
export const ASSET_TICKET_KINDS = [...ENTITLEMENT_TICKET_KINDS, 'revisit'] as const;
export type AssetTicketKind = (typeof ASSET_TICKET_KINDS)[number];

export const TICKET_KINDS = ['fault', 'consultation', ...ASSET_TICKET_KINDS] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];

export const SEVERITIES = ['general', 'major'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ZONES = ['urban', 'suburban'] as const;
export type Zone = (typeof ZONES)[number];

export const ENGINEER_TIERS = ['onsite', 'senior'] as const;
export type EngineerTier = (typeof ENGINEER_TIERS)[number];

export const PAUSE_REASONS = ['awaiting-customer', 'awaiting-parts'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export const SATISFACTION_KINDS = ['consultation', 'onsite', 'product'] as const;
export type SatisfactionKind = (typeof SATISFACTION_KINDS)[number];

export const MIN_SATISFACTION_SCORE = 1;
export const MAX_SATISFACTION_SCORE = 5;

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export function isAssetTicketKind(kind: TicketKind): kind is AssetTicketKind {
  return isOneOf(ASSET_TICKET_KINDS, kind);
}

export function usesEntitlement(kind: TicketKind): kind is EntitlementTicketKind {
  return isOneOf(ENTITLEMENT_TICKET_KINDS, kind);
}
