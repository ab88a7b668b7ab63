import { readFileSync } from 'node:fs';
import { problem, ProblemError } from '../http/problem';

/** The part of a policy that ticket commands need: which one, which version. */
export interface PolicyRef {
  readonly id: string;
  readonly version: number;
}

/**
 * The SLA policies of SLA_POLICIES_FILE, by id and version. A new ticket is opened under the
 * newest version of its policy and records it, so a replay years later uses the same one.
 */
export class PolicyCatalog {
  private readonly newest = new Map<string, PolicyRef>();

  private constructor(
    readonly defaultPolicyId: string,
    readonly policies: ReadonlyArray<PolicyRef & Record<string, unknown>>,
  ) {
    for (const policy of policies) {
      const current = this.newest.get(policy.id);
      if (!current || current.version < policy.version) this.newest.set(policy.id, { id: policy.id, version: policy.version });
    }
  }

  static fromFile(path: string): PolicyCatalog {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`SLA_POLICIES_FILE ${path}: ${(error as Error).message}`);
    }
    return PolicyCatalog.fromJson(parsed, path);
  }

  static fromJson(parsed: unknown, source = 'SLA policies'): PolicyCatalog {
    const fail = (message: string): never => {
      throw new Error(`${source}: ${message}`);
    };
    const file = parsed as { defaultPolicyId?: unknown; policies?: unknown };
    if (!Array.isArray(file?.policies) || file.policies.length === 0) fail('needs a non-empty "policies" list');
    const seen = new Set<string>();
    const policies = (file.policies as Array<Record<string, unknown>>).map((policy, index) => {
      if (typeof policy?.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(policy.id)) fail(`policy ${index + 1} needs an id`);
      if (!Number.isInteger(policy.version) || (policy.version as number) < 1) fail(`policy ${policy.id} needs a version >= 1`);
      const key = `${policy.id}@${policy.version}`;
      if (seen.has(key)) fail(`policy ${key} appears twice`);
      seen.add(key);
      return policy as PolicyRef & Record<string, unknown>;
    });
    const defaultPolicyId = typeof file.defaultPolicyId === 'string' ? file.defaultPolicyId : policies[0].id;
    if (!policies.some((p) => p.id === defaultPolicyId)) fail(`defaultPolicyId ${defaultPolicyId} is not a policy`);
    return new PolicyCatalog(defaultPolicyId, policies);
  }

  /** The newest version of `id`, or of the default policy; an unknown id is the caller's 400. */
  resolve(id: string | undefined): PolicyRef {
    const found = this.newest.get(id ?? this.defaultPolicyId);
    if (!found) {
      throw new ProblemError(
        problem(400, 'UNKNOWN_POLICY', `no SLA policy ${JSON.stringify(id)}; known: ${[...this.newest.keys()].join(', ')}`, {
          errors: [{ field: 'policyId', message: 'is not a known SLA policy' }],
        }),
      );
    }
    return found;
  }
}
