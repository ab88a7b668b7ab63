/** The closed word lists of the service network. The arrays are what input validation checks against. */

/** What a service unit is: the manufacturer, a dealer, a dealer's branch, a repair group. */
export const UNIT_KINDS = ['manufacturer', 'dealer', 'branch', 'repair-group'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** Whether a training or an assessment was on the plan or called for out of turn. */
export const RECORD_KINDS = ['scheduled', 'unscheduled'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Bounds of the agreement's numbers: a percentage, a day every month has. */
export const MAX_PERCENT = 100;
export const MAX_FEEDBACK_DAY = 28;
export const MAX_SCORE = 100;
