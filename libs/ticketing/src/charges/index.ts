export { assessRepair } from './assess-repair';
export {
  BOOLEAN_FACTS,
  conditionsHold,
  type BooleanFact,
  type ChargeConditions,
  type RangeMatcher,
  type WordMatcher,
} from './charge-conditions';
export {
  findChargePolicy,
  parseChargePolicies,
  parseChargePolicy,
  type ChargePolicy,
  type ChargePolicyCatalog,
  type ChargePolicyParse,
  type ChargeRule,
  type ChargeSpec,
} from './charge-policy';
export {
  CHARGE_OUTCOMES,
  DAMAGES,
  REPAIR_CAUSES,
  STONE_SIZES,
  lostStoneCount,
  repairFactsProblems,
  type ChargeAmounts,
  type ChargeDecision,
  type ChargeOutcome,
  type Damage,
  type PartTreatment,
  type RepairCause,
  type RepairFacts,
  type RepairPart,
  type StoneCounts,
  type StoneSize,
} from './repair-facts';
