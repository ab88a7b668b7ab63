import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findChargePolicy, parseChargePolicies, type ChargePolicy } from '../../charges/charge-policy';
import type { AssetCommand } from '../asset-commands';
import { ASSET_ERROR_KINDS, type AssetError, type AssetErrorCode } from '../asset-errors';
import type { AssetEvent, AssetRegistered } from '../asset-events';
import { initialAssetState, type Asset, type AssetState } from '../asset-state';
import { decideAsset, type AssetDecision } from '../decide-asset';
import { evolveAsset } from '../evolve-asset';

/** Given past events, when a command arrives at `now`, then these events or this error. */
export const NOW = '2031-01-01T00:00:00.000Z';

/** A business time on a day, 10:00 UTC (18:00 in Shanghai, the same local date). */
export const on = (date: string, time = '10:00:00.000Z'): string => `${date}T${time}`;

export function given(...events: AssetEvent[]) {
  const state = events.reduce<AssetState>(evolveAsset, initialAssetState());
  return {
    state,
    when(command: AssetCommand, now: string = NOW) {
      const decision = decideAsset(command, state, now);
      return {
        decision,
        then(expected: AssetEvent[]): void {
          expect(decision).toEqual({ ok: true, events: expected });
        },
        thenFails(code: AssetErrorCode, field?: string): AssetError {
          expect(decision).toMatchObject({ ok: false, error: { code, kind: ASSET_ERROR_KINDS[code] } });
          const error = (decision as Extract<AssetDecision, { ok: false }>).error;
          if (field !== undefined) expect(error.field).toBe(field);
          expect(error.message.length).toBeGreaterThan(0);
          return error;
        },
      };
    },
  };
}

export function assetOf(state: AssetState): Asset {
  if (state.status === 'none') throw new Error('expected a registered asset');
  return state;
}

export function replay(...events: AssetEvent[]): Asset {
  return assetOf(events.reduce<AssetState>(evolveAsset, initialAssetState()));
}

/**
 * The renovation of the first seed document: accepted 2025-06-30, waterproofing 5 years, other
 * works 2 years, and the IT plan's entitlements (one relocation, one rebuild, one inspection a year).
 */
export function registered(overrides: Partial<AssetRegistered['data']> = {}): AssetRegistered {
  return {
    type: 'AssetRegistered',
    data: {
      assetId: 'A-1',
      customerId: 'C-1',
      name: 'Office fit-out, 3rd floor',
      kind: 'renovation',
      acceptedAt: '2025-06-30',
      timeZone: 'Asia/Shanghai',
      coverages: [
        { category: 'waterproofing', startsFrom: 'acceptance', years: 5 },
        { category: 'other', startsFrom: 'acceptance', years: 2 },
      ],
      entitlements: { relocation: 1, rebuild: 1, inspectionsPerYear: 1 },
      at: on('2025-07-01'),
      ...overrides,
    },
  };
}

export const consumed = (entitlement: 'relocation' | 'rebuild' | 'inspection', ticketId: string, at: string, year?: number): AssetEvent => ({
  type: 'EntitlementConsumed',
  data: { entitlement, ticketId, ...(year === undefined ? {} : { year }), at },
});

export const inspected = (inspectedOn: string, at = on(inspectedOn), ticketId?: string): AssetEvent => ({
  type: 'InspectionRecorded',
  data: { inspectedOn, by: 'eng-1', report: 'all fine', ...(ticketId ? { ticketId } : {}), at },
});

const parsed = parseChargePolicies(JSON.parse(readFileSync(join(process.cwd(), 'config/charge-policies.json'), 'utf8')));
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const catalog = parsed.catalog;

/** A policy of the shipped config file. */
export function shippedPolicy(id: 'retail-repair' | 'dealer-service'): ChargePolicy {
  return findChargePolicy(catalog, id) as ChargePolicy;
}
