import { createHash } from 'node:crypto';

/**
 * The id of the ticket the schedule reports for one of an asset's obligations (`key`, see
 * `scheduleKey`: a coverage year's InspectionDue, a plan's RevisitDue): a name-based UUID of the
 * asset and the key, so that every process and every retry reports the same ticket, once.
 */
export function scheduleTicketId(assetId: string, key: string): string {
  const hex = createHash('sha256').update(`schedule-ticket:${assetId}:${key}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
