import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerSegmentsConfig, parseCustomerSegments } from './customer-segments';

describe('the customer segments file', () => {
  it('takes whole numbers: visits that make a customer loyal, months without one that make a customer lost', () => {
    expect(parseCustomerSegments({ loyalVisits: 3, lostAfterMonths: 12 })).toEqual({ loyalVisits: 3, lostAfterMonths: 12 });
  });

  it('refuses what is missing, unknown, fractional or out of range, naming the field', () => {
    expect(() => parseCustomerSegments({ lostAfterMonths: 12 })).toThrow(/loyalVisits/);
    expect(() => parseCustomerSegments({ loyalVisits: 0, lostAfterMonths: 12 })).toThrow(/loyalVisits/);
    expect(() => parseCustomerSegments({ loyalVisits: 2.5, lostAfterMonths: 12 })).toThrow(/loyalVisits/);
    expect(() => parseCustomerSegments({ loyalVisits: 3, lostAfterMonths: 0 })).toThrow(/lostAfterMonths/);
    expect(() => parseCustomerSegments({ loyalVisits: 3, lostAfterMonths: '12' })).toThrow(/lostAfterMonths/);
    expect(() => parseCustomerSegments({ loyalVisits: 3, lostAfterMonths: 12, loyalMonths: 6 })).toThrow(/unknown field loyalMonths/);
    expect(() => parseCustomerSegments([3, 12])).toThrow(/object/);
  });

  it('reads the shipped file, and names the file and variable when one is not JSON', () => {
    expect(CustomerSegmentsConfig.fromFile('config/customer-segments.json').segments).toEqual({ loyalVisits: 3, lostAfterMonths: 12 });
    const dir = mkdtempSync(join(tmpdir(), 'segments-'));
    try {
      const bad = join(dir, 'segments.json');
      writeFileSync(bad, '{ loyalVisits: 3 }');
      expect(() => CustomerSegmentsConfig.fromFile(bad)).toThrow(`CUSTOMER_SEGMENTS_FILE ${bad}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
