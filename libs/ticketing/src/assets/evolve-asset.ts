import type { AssetEvent, AssetRegistered } from './asset-events';
import { CorruptAssetHistory } from './asset-errors';
import type { Asset, AssetState, Coverage } from './asset-state';
import { coveragePeriod, coverageStart, lengthInMonths } from './coverage';
import { scheduleKey } from './schedule';
import { SCHEDULE_EVENT_TYPES, type ScheduleEvent } from './asset-events';

function isScheduleEvent(event: AssetEvent): event is ScheduleEvent {
  return (SCHEDULE_EVENT_TYPES as readonly string[]).includes(event.type);
}

/**
 * Applies one event to the asset. Events are facts: no rule is re-checked. It throws
 * CorruptAssetHistory only for a stream that cannot be an asset's history (a first event other
 * than AssetRegistered, a second AssetRegistered, an unknown type). It never mutates `state`.
 */
export function evolveAsset(state: AssetState, event: AssetEvent): AssetState {
  if (state.status === 'none') {
    if (event.type !== 'AssetRegistered') {
      throw new CorruptAssetHistory(`${event.type} cannot open an asset's history`, event.type, 0);
    }
    return registered(event);
  }
  // A schedule event is the engine's note of a date, not a fact a caller dated: later commands may
  // still be dated before it (an inspection recorded the morning after its window closed).
  const scheduled = isScheduleEvent(event);
  const asset: Asset = {
    ...state,
    version: state.version + 1,
    lastEventAt: !scheduled && event.data.at > state.lastEventAt ? event.data.at : state.lastEventAt,
  };
  return apply(asset, event);
}

function apply(asset: Asset, event: AssetEvent): Asset {
  switch (event.type) {
    case 'AssetRegistered':
      throw new CorruptAssetHistory(`asset ${asset.assetId} is registered once`, event.type, asset.version);
    case 'CoverageExtended': {
      const { category, approvedBy, reason, at } = event.data;
      const months = lengthInMonths(event.data);
      return {
        ...asset,
        coverages: asset.coverages.map((c) => {
          if (c.category !== category) return c;
          const extensions = [...c.extensions, { months, approvedBy, reason, at }];
          const total = c.months + extensions.reduce((sum, e) => sum + e.months, 0);
          return { ...c, extensions, end: coveragePeriod(c.start, total).end };
        }),
      };
    }
    case 'DepositRecorded': {
      const { kind, amount, reference, note, at } = event.data;
      return { ...asset, deposits: [...asset.deposits, { kind, amount, reference: reference ?? null, note: note ?? null, at }] };
    }
    case 'InspectionRecorded': {
      const { inspectedOn, by, report, findings, ticketId, at } = event.data;
      const inspection = { inspectedOn, by, report, findings: findings ?? [], ticketId: ticketId ?? null, at };
      return { ...asset, inspections: [...asset.inspections, inspection] };
    }
    case 'RevisitPlanned': {
      const { dueOn, purpose, at } = event.data;
      return { ...asset, revisitPlans: [...asset.revisitPlans, { dueOn, purpose, plannedAt: at, done: null }] };
    }
    case 'RevisitDone': {
      const { plannedDueOn, by, outcome, at } = event.data;
      const record = { plannedDueOn: plannedDueOn ?? null, by, outcome, at };
      const index = plannedDueOn === undefined ? -1 : asset.revisitPlans.findIndex((p) => p.dueOn === plannedDueOn && !p.done);
      return {
        ...asset,
        revisitPlans: asset.revisitPlans.map((plan, i) => (i === index ? { ...plan, done: record } : plan)),
        revisits: [...asset.revisits, record],
      };
    }
    case 'EntitlementConsumed': {
      const { entitlement, ticketId, year, at } = event.data;
      return { ...asset, consumptions: [...asset.consumptions, { entitlement, ticketId, year: year ?? null, at }] };
    }
    case 'RepairRecorded': {
      const { ticketId, category, reportedAt, reportedOn, inWarranty, charge, assessment, at } = event.data;
      const repair = {
        ticketId,
        category,
        reportedAt,
        reportedOn,
        inWarranty,
        charge,
        facts: assessment?.facts ?? null,
        policyId: assessment?.policyId ?? null,
        policyVersion: assessment?.policyVersion ?? null,
        recordedAt: at,
        assessedAt: charge === null ? null : at,
      };
      return { ...asset, repairs: [...asset.repairs, repair] };
    }
    case 'RepairAssessed': {
      const { ticketId, policyId, policyVersion, facts, decision, at } = event.data;
      return {
        ...asset,
        repairs: asset.repairs.map((r) =>
          r.ticketId === ticketId ? { ...r, charge: decision, facts, policyId, policyVersion, assessedAt: at } : r,
        ),
      };
    }
    case 'InspectionDue':
    case 'InspectionOverdue':
    case 'RevisitDue':
    case 'RevisitOverdue':
    case 'FirstVisitDue':
    case 'CoverageEnding':
    case 'CoverageEnded': {
      const record = { type: event.type, key: scheduleKey(event), dueOn: event.data.dueOn, at: event.data.at };
      return { ...asset, schedule: [...asset.schedule, record] };
    }
    default: {
      const unknown: never = event;
      const type = String((unknown as { type: unknown }).type);
      throw new CorruptAssetHistory(`unknown asset event type ${type}`, type, asset.version);
    }
  }
}

function registered(event: AssetRegistered): Asset {
  const d = event.data;
  const coverages: Coverage[] = d.coverages.map((term) => {
    const months = lengthInMonths(term);
    const start = coverageStart(term.startsFrom, d.acceptedAt, d.saleDate ?? null);
    return { category: term.category, startsFrom: term.startsFrom, months, ...coveragePeriod(start, months), extensions: [] };
  });
  return {
    status: 'registered',
    version: 0,
    assetId: d.assetId,
    customerId: d.customerId,
    ownerName: d.ownerName ?? null,
    name: d.name,
    kind: d.kind,
    acceptedAt: d.acceptedAt,
    saleDate: d.saleDate ?? null,
    timeZone: d.timeZone,
    coverages,
    entitlements: d.entitlements,
    consumptions: [],
    deposits: [],
    inspections: [],
    revisitPlans: [],
    revisits: [],
    repairs: [],
    contract: d.contract ?? null,
    contacts: d.contacts ?? [],
    subcontractors: d.subcontractors ?? [],
    firstVisit: d.firstVisit ?? null,
    autoTickets: d.autoTickets ?? [],
    schedule: [],
    registeredAt: d.at,
    lastEventAt: d.at,
  };
}
