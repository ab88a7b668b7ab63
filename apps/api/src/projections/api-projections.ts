import { satisfactionProjection, slaComplianceProjection, warrantyArchiveProjection, type Projection } from '@app/projections';
import type { SlaPolicyCatalog } from '@app/ticketing';

/** The views the API serves, whichever thread or process keeps them up to date. */
export function apiProjections(catalog: SlaPolicyCatalog): Projection[] {
  return [slaComplianceProjection(catalog), satisfactionProjection, warrantyArchiveProjection];
}
