import { stringify } from 'csv-stringify/sync';

/**
 * Text a spreadsheet would read as a formula: it starts with = + - @ (or their full-width forms),
 * a tab or a carriage return, also behind leading blanks or quotes, which spreadsheets skip.
 */
const FORMULA_START = /^[\s"'\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/** A text cell as written: an apostrophe in front of what a spreadsheet would run as a formula. */
function guarded(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * RFC 4180 CSV: a header line, then one line per row; fields quoted when they need it. Every text
 * cell that a spreadsheet would run as a formula gets a leading apostrophe; numbers are the view's
 * own figures and are written as they are, so a negative number stays a number.
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  return stringify([header, ...rows] as unknown[][], {
    record_delimiter: 'windows',
    // A line break of either kind inside a field is quoted, as RFC 4180 asks.
    quoted_match: /[\r\n]/,
    cast: {
      string: guarded,
      boolean: (value) => String(value),
      bigint: (value) => String(value),
      number: (value) => String(value),
      date: (value) => guarded(value.toISOString()),
      object: (value) => guarded(JSON.stringify(value)),
    },
  });
}
