/**
 * The id of the ticket the schedule reports for one of an asset's obligations (`key`, see
 * `scheduleKey`: a coverage year's InspectionDue, a plan's RevisitDue): a name-based UUID of the
 * asset and the key, so that every process and every retry reports the same ticket, once.
 *
 * The name is hashed with 128-bit FNV-1a (pure arithmetic: the domain does no I/O and loads no
 * crypto module). It names, it does not protect: ids come from internal services.
 */
export function scheduleTicketId(assetId: string, key: string): string {
  const hex = fnv1a128(`schedule-ticket:${assetId}:${key}`).toString(16).padStart(32, '0');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const FNV_128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV_128_PRIME = 0x0000000001000000000000000000013bn;
const MASK_128 = (1n << 128n) - 1n;

/** FNV-1a over the UTF-8 bytes of `text`, 128 bits. */
function fnv1a128(text: string): bigint {
  let hash = FNV_128_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_128_PRIME) & MASK_128;
  }
  return hash;
}
