import type { IsoInstant } from '../business-time';
import { assessRepair } from '../charges/assess-repair';
import type { RepairFacts } from '../charges/repair-facts';
import { daysBetween, localDate, type CalendarDate } from './calendar-date';
import type { AssessRepair, ChargeRequest, RecordRepair, RepairFactsInput } from './asset-commands';
import { assetError, type AssetError } from './asset-errors';
import type { ChargeAssessment, RepairAssessed, RepairRecorded } from './asset-events';
import { repairOf, type Asset } from './asset-state';
import { coverageOn } from './coverage';

type Outcome<E> = { ok: true; events: E[] } | { ok: false; error: AssetError };

/**
 * RecordRepair: in or out of warranty on the local date the ticket was reported (in the asset's
 * zone), by the coverage of its category (or the `other` coverage). One repair per ticket: a
 * repeat with the same category and report time appends nothing (a retry); with other values it
 * is REPAIR_ALREADY_RECORDED. An `assessment` assesses the charge in the same event.
 * `reportedAt` is canonical and was checked not to run ahead of `now`.
 */
export function decideRecordRepair(
  command: RecordRepair,
  asset: Asset,
  reportedAt: IsoInstant,
  at: IsoInstant,
): Outcome<RepairRecorded> {
  const { ticketId, category, assessment } = command.data;
  const earlier = repairOf(asset, ticketId);
  if (earlier) {
    if (earlier.category === category && earlier.reportedAt === reportedAt) return { ok: true, events: [] };
    return refuse(
      'REPAIR_ALREADY_RECORDED',
      `ticket ${ticketId} was recorded as a ${earlier.category} repair reported at ${earlier.reportedAt}; a ticket is one repair (use AssessRepair to change its charge)`,
      'ticketId',
    );
  }
  const reportedOn = localDate(reportedAt, asset.timeZone);
  const inWarranty = coverageOn(asset, category, reportedOn).covered;
  let charge = null;
  let recorded: ChargeAssessment | undefined;
  if (assessment) {
    const assessed = assess(asset, assessment, reportedOn, inWarranty, 'assessment.facts');
    if (!assessed.ok) return assessed;
    charge = assessed.decision;
    recorded = { policyId: assessment.policy.id, policyVersion: assessment.policy.version, facts: assessed.facts };
  }
  return {
    ok: true,
    events: [
      {
        type: 'RepairRecorded',
        data: { ticketId, category, reportedAt, reportedOn, inWarranty, charge, ...(recorded ? { assessment: recorded } : {}), at },
      },
    ],
  };
}

/** AssessRepair: (re-)assesses the charge of a recorded repair; each assessment is kept. */
export function decideAssessRepair(command: AssessRepair, asset: Asset, at: IsoInstant): Outcome<RepairAssessed> {
  const { ticketId, policy } = command.data;
  const repair = repairOf(asset, ticketId);
  if (!repair) {
    return refuse('REPAIR_NOT_RECORDED', `asset ${asset.assetId} has no repair for ticket ${ticketId}: record the repair first`, 'ticketId');
  }
  const assessed = assess(asset, command.data, repair.reportedOn, repair.inWarranty, 'facts');
  if (!assessed.ok) return assessed;
  return {
    ok: true,
    events: [
      {
        type: 'RepairAssessed',
        data: { ticketId, policyId: policy.id, policyVersion: policy.version, facts: assessed.facts, decision: assessed.decision, at },
      },
    ],
  };
}

/**
 * The facts the rules see: `inWarranty` is the asset's own answer (a caller's different value
 * is refused: the coverage record decides), and `daysSinceSale` defaults to whole local days
 * from the sale date (the acceptance date when there is none) to the report date.
 */
function assess(asset: Asset, request: ChargeRequest, reportedOn: CalendarDate, inWarranty: boolean, path: string) {
  const { facts: input, policy } = request;
  if (input.inWarranty !== undefined && input.inWarranty !== inWarranty) {
    return refuse(
      'INVALID_INPUT',
      `${path}.inWarranty is ${input.inWarranty}, but the asset's coverage says the repair reported on ${reportedOn} is ${inWarranty ? 'in' : 'out of'} warranty`,
      `${path}.inWarranty`,
    );
  }
  const from = asset.saleDate ?? asset.acceptedAt;
  const daysSinceSale = input.daysSinceSale ?? daysBetween(from, reportedOn);
  if (daysSinceSale < 0) {
    return refuse('INVALID_INPUT', `the repair was reported on ${reportedOn}, before the sale date ${from}`, `${path}.daysSinceSale`);
  }
  const facts: RepairFacts = { ...knownFacts(input), daysSinceSale, inWarranty };
  return { ok: true as const, facts, decision: assessRepair(policy, facts) };
}

/** Only the fields the rules know go into the event: a caller's extra keys are not facts. */
function knownFacts(input: RepairFactsInput): Omit<RepairFacts, 'daysSinceSale' | 'inWarranty'> {
  const optional = {
    hasReceipt: input.hasReceipt,
    hasTag: input.hasTag,
    originalPackaging: input.originalPackaging,
    lostStones: input.lostStones && definedOnly({ small: input.lostStones.small, medium: input.lostStones.medium, large: input.lostStones.large }),
    parts: input.parts?.map((part) => definedOnly({ name: part.name, value: part.value, materialCost: part.materialCost })),
    materialCost: input.materialCost,
    labourCost: input.labourCost,
  };
  const { cause, damage, specialPrice, soldByUs } = input;
  return { cause, damage, specialPrice, soldByUs, ...definedOnly(optional) };
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function refuse(code: AssetError['code'], message: string, field?: string): { ok: false; error: AssetError } {
  return { ok: false, error: assetError(code, message, field) };
}
