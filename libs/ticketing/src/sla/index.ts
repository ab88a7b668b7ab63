export {
  addBusinessDuration,
  businessDurationBetween,
  nextWorkingInstant,
  WEEKDAYS,
  type BusinessHoursCalendar,
  type RoundTheClockCalendar,
  type SlaCalendar,
  type Weekday,
  type WorkingPeriod,
} from './calendar';
export { clockTimeline, type ClockTimeline, type ClockTrack, type HistoryEntry, type SlaEventRef } from './clock-timeline';
export {
  consultationHandlingMs,
  evaluateClock,
  evaluateClocks,
  type ClockContext,
  type SlaClock,
  type SlaClockMeasure,
  type SlaClockState,
} from './clocks';
export { describeDuration, parseIsoDuration, type IsoDuration } from './iso-duration';
export {
  DEFAULT_WARNING_THRESHOLDS,
  findPolicy,
  newestPolicy,
  parseSlaPolicies,
  SLA_METRICS,
  targetOf,
  type EscalationRule,
  type SeverityTargets,
  type SlaMetric,
  type SlaPolicy,
  type SlaPolicyCatalog,
  type SlaPolicyParse,
  type ZoneTargets,
} from './sla-policy';
export {
  dueSlaAlarms,
  measureSla,
  nextSlaAlarmAt,
  raisableNow,
  scaledPolicy,
  type LateEntryGrace,
  type SlaAlarm,
  type SlaMeasures,
} from './sla-alarms';
export { standingAlarms, untrueAlarms, withdrawalsFor, type StandingAlarm } from './alarm-withdrawal';
