import { readFileSync } from 'node:fs';
import { findPolicy, newestPolicy, parseSlaPolicies, type SlaPolicy, type SlaPolicyCatalog } from '@app/ticketing';
import { problem, ProblemError } from '../http/problem';

/**
 * The SLA policies of SLA_POLICIES_FILE, checked by the domain's parser at start-up. A new ticket
 * is opened under the newest version of its policy and records it, so a replay years later uses
 * the same one.
 */
export class PolicyCatalog {
  private constructor(readonly catalog: SlaPolicyCatalog) {}

  /** Throws one line naming the file and every problem in it. */
  static fromFile(path: string): PolicyCatalog {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`SLA_POLICIES_FILE ${path}: ${(error as Error).message}`);
    }
    const result = parseSlaPolicies(parsed);
    if (!result.ok) throw new Error(`SLA_POLICIES_FILE ${path}: ${result.errors.join('; ')}`);
    return new PolicyCatalog(result.catalog);
  }

  get defaultPolicy(): SlaPolicy {
    return newestPolicy(this.catalog, this.catalog.defaultPolicyId)!;
  }

  /** The newest version of `id`, or of the default policy; an unknown id is the caller's 400. */
  resolve(id: string | undefined): SlaPolicy {
    const found = newestPolicy(this.catalog, id ?? this.catalog.defaultPolicyId);
    if (!found) {
      const known = [...new Set(this.catalog.policies.map((p) => p.id))].join(', ');
      throw new ProblemError(
        problem(400, 'UNKNOWN_POLICY', `no SLA policy ${JSON.stringify(id)}; known: ${known}`, {
          errors: [{ field: 'policyId', message: 'is not a known SLA policy' }],
        }),
      );
    }
    return found;
  }

  /** The exact version a ticket recorded at its report. */
  find(id: string, version: number): SlaPolicy | undefined {
    return findPolicy(this.catalog, id, version);
  }
}
