/** Small readers for the policy file's untyped JSON. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as an error message quotes it: JSON text, or `missing`. */
export function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
