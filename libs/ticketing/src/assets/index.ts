export * from './asset-commands';
export * from './asset-errors';
export * from './asset-events';
export * from './asset-state';
export * from './asset-vocabulary';
export {
  addDays,
  dateOfDay,
  dayNumber,
  daysBetween,
  isCalendarDate,
  localDate,
  localDateOfMs,
  periodEnd,
  type CalendarDate,
} from './calendar-date';
export * from './asset-templates';
export * from './coverage';
export * from './inspections';
export * from './schedule';
export * from './schedule-tickets';
export { decideAsset, type AssetDecision } from './decide-asset';
export { evolveAsset } from './evolve-asset';
