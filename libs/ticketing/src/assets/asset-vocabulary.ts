/** The closed word lists of the asset domain. The arrays are what input validation checks against. */

/** Counted free services (the IT support plan: one relocation, one rebuild, one inspection a year). */
export const ENTITLEMENTS = ['relocation', 'rebuild', 'inspection'] as const;
export type Entitlement = (typeof ENTITLEMENTS)[number];

/** Warranty deposit records of the renovation archive: money recovered, and paid out (to subcontractors). */
export const DEPOSIT_KINDS = ['recovery', 'payment'] as const;
export type DepositKind = (typeof DEPOSIT_KINDS)[number];

/**
 * What a coverage period counts from: the day after completion acceptance (the renovation
 * archive), the day acceptance is signed (the IT support plan), or the sale (the dealer agreement).
 */
export const COVERAGE_STARTS = ['acceptance', 'acceptance-day', 'sale'] as const;
export type CoverageStart = (typeof COVERAGE_STARTS)[number];

/** Schedule events that may report a ticket by themselves (`autoTickets` of the asset): a due inspection, a due revisit. */
export const AUTO_TICKET_KINDS = ['inspection', 'revisit'] as const;
export type AutoTicketKind = (typeof AUTO_TICKET_KINDS)[number];

/** The longest wait for a first visit after acceptance or sale: ten years of days. */
export const MAX_FIRST_VISIT_DAYS = 3660;

export const DEFAULT_ASSET_TIME_ZONE = 'Asia/Shanghai';

/** The coverage that answers for a category no coverage names (the first document's "其他工程"). */
export const OTHER_WORKS_CATEGORY = 'other';

/** Upper bounds that keep a typo (years: 2000) from becoming a fact. */
export const MAX_COVERAGE_MONTHS = 100 * 12;
export const MAX_ENTITLEMENT_COUNT = 1000;
