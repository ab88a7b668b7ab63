import { readFileSync } from 'node:fs';
import type { CustomerSegments } from '@app/projections';

/** The customers view's segments from CUSTOMER_SEGMENTS_FILE, checked at start-up. */
export class CustomerSegmentsConfig {
  private constructor(readonly segments: CustomerSegments) {}

  static fromFile(path: string): CustomerSegmentsConfig {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`CUSTOMER_SEGMENTS_FILE ${path}: ${(error as Error).message}`);
    }
    return new CustomerSegmentsConfig(parseCustomerSegments(parsed, path));
  }
}

/** `{ loyalVisits: integer >= 1, lostAfterMonths: integer 1..120 }`, nothing else. */
export function parseCustomerSegments(value: unknown, path = 'customer segments'): CustomerSegments {
  const fail = (message: string): never => {
    throw new Error(`CUSTOMER_SEGMENTS_FILE ${path}: ${message}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object { loyalVisits, lostAfterMonths }');
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => key !== 'loyalVisits' && key !== 'lostAfterMonths');
  if (unknown.length > 0) fail(`unknown field ${unknown[0]}`);
  const { loyalVisits, lostAfterMonths } = record;
  if (typeof loyalVisits !== 'number' || !Number.isInteger(loyalVisits) || loyalVisits < 1 || loyalVisits > 10_000) fail('loyalVisits must be a whole number from 1 to 10000');
  if (typeof lostAfterMonths !== 'number' || !Number.isInteger(lostAfterMonths) || lostAfterMonths < 1 || lostAfterMonths > 120) fail('lostAfterMonths must be a whole number of months from 1 to 120');
  return { loyalVisits: loyalVisits as number, lostAfterMonths: lostAfterMonths as number };
}
