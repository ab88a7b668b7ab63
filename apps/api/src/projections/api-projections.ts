import { networkProjection, satisfactionProjection, scheduleProjection, slaComplianceProjection, warrantyArchiveProjection, type Projection } from '@app/projections';
import { DEFAULT_SCHEDULE_OPTIONS, type ScheduleOptions, type SlaPolicyCatalog } from '@app/ticketing';

/**
 * The views the API serves, whichever thread or process keeps them up to date. `schedule` is the
 * configured SCHEDULE_* settings (the defaults where a caller has no configuration).
 */
export function apiProjections(catalog: SlaPolicyCatalog, schedule: ScheduleOptions = DEFAULT_SCHEDULE_OPTIONS): Projection[] {
  return [slaComplianceProjection(catalog), satisfactionProjection, warrantyArchiveProjection, scheduleProjection(schedule), networkProjection];
}
