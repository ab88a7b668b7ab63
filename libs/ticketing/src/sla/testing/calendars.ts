import type { BusinessHoursCalendar, SlaCalendar, WorkingPeriod } from '../calendar';

export const ROUND_THE_CLOCK: SlaCalendar = { kind: '24x7' };

const OFFICE: WorkingPeriod[] = [
  ['09:00', '12:00'],
  ['13:00', '18:00'],
];

/** The shipped business-hours plan: Mon-Fri 09:00-12:00 and 13:00-18:00 in Shanghai (UTC+8, no DST). */
export const SHANGHAI_OFFICE: BusinessHoursCalendar = {
  kind: 'business-hours',
  timeZone: 'Asia/Shanghai',
  week: { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE, sat: [], sun: [] },
  holidays: ['2026-01-01', '2026-10-01', '2026-10-02', '2026-10-05', '2027-01-01'],
};

const DAY: WorkingPeriod[] = [['08:00', '18:00']];
const ALL_DAY: WorkingPeriod[] = [['00:00', '24:00']];

/** Every day 08:00-18:00 in Berlin, except Sunday which is worked round the clock. */
export const BERLIN_WORKSHOP: BusinessHoursCalendar = {
  kind: 'business-hours',
  timeZone: 'Europe/Berlin',
  week: { mon: DAY, tue: DAY, wed: DAY, thu: DAY, fri: DAY, sat: DAY, sun: ALL_DAY },
  holidays: ['2026-12-25'],
};

const EARLY_AND_LATE: WorkingPeriod[] = [
  ['01:00', '03:00'],
  ['16:00', '24:00'],
];

/** Split shifts around midnight and the New York DST hour. */
export const NEW_YORK_SHIFTS: BusinessHoursCalendar = {
  kind: 'business-hours',
  timeZone: 'America/New_York',
  week: {
    mon: EARLY_AND_LATE,
    tue: EARLY_AND_LATE,
    wed: EARLY_AND_LATE,
    thu: EARLY_AND_LATE,
    fri: EARLY_AND_LATE,
    sat: [],
    sun: EARLY_AND_LATE,
  },
  holidays: ['2026-07-03'],
};
