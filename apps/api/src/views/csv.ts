/** Text a spreadsheet would read as a formula: it starts with one of = + - @, a tab or a carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180 CSV: a header line, then one line per row; fields quoted when they need it. Text that
 * a spreadsheet would run as a formula gets a leading apostrophe; numbers are the view's own
 * figures and are written as they are, so a negative number stays a number.
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  const field = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    const safe = typeof value !== 'number' && typeof value !== 'bigint' && FORMULA_START.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
