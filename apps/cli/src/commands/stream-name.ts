const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A bare ticket id means its stream; anything else is taken as a stream name. */
export function streamOf(id: string): string {
  return UUID.test(id) ? `ticket-${id.toLowerCase()}` : id;
}
