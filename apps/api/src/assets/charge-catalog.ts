import { readFileSync } from 'node:fs';
import { findChargePolicy, parseChargePolicies, type ChargePolicy, type ChargePolicyCatalog } from '@app/ticketing';
import { problem, ProblemError } from '../http/problem';

/** The charge rules of CHARGE_POLICIES_FILE, checked by the domain's parser at start-up. */
export class ChargeCatalog {
  private constructor(readonly catalog: ChargePolicyCatalog) {}

  static fromFile(path: string): ChargeCatalog {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`CHARGE_POLICIES_FILE ${path}: ${(error as Error).message}`);
    }
    const result = parseChargePolicies(parsed);
    if (!result.ok) throw new Error(`CHARGE_POLICIES_FILE ${path}: ${result.errors.join('; ')}`);
    return new ChargeCatalog(result.catalog);
  }

  /** The newest version of a charge policy; an unknown id is the caller's 400. */
  resolve(id: string): ChargePolicy {
    const policy = findChargePolicy(this.catalog, id);
    if (!policy) {
      const known = [...new Set(this.catalog.policies.map((p) => p.id))].join(', ');
      throw new ProblemError(
        problem(400, 'UNKNOWN_CHARGE_POLICY', `no charge policy ${JSON.stringify(id)}; known: ${known}`, {
          errors: [{ field: 'policyId', message: 'is not a known charge policy' }],
        }),
      );
    }
    return policy;
  }
}
