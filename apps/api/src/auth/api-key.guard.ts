import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../config/app-config';
import { problem, ProblemError } from '../http/problem';
import type { KeyRing, Principal } from './key-ring';
import type { RateLimiter } from './rate-limiter';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import { EngineMetrics } from '../telemetry/engine-metrics';

export const KEY_RING = Symbol('KEY_RING');
export const RATE_LIMITER = Symbol('RATE_LIMITER');

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * Every route needs a key unless marked @Public; a route without @Roles is for admins only.
 * 401 for a missing or unknown key, 403 for a key whose role may not call the route,
 * 429 past the key's rate.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(KEY_RING) private readonly keys: KeyRing,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    private readonly metrics: EngineMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    const principal = match ? this.keys.identify(match[1]) : undefined;
    if (!principal) {
      throw new ProblemError(
        problem(401, 'UNAUTHORIZED', header ? 'the API key is not valid' : 'an API key is required: Authorization: Bearer <key>'),
        { 'www-authenticate': 'Bearer' },
      );
    }
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (principal.role !== 'admin' && !allowed.includes(principal.role)) {
      throw new ProblemError(problem(403, 'FORBIDDEN', `the ${principal.role} role may not call this route`));
    }
    const wait = this.limiter.take(principal.keyId, Date.now());
    if (wait > 0) {
      this.metrics.rateLimitedRequest(principal.role);
      throw new ProblemError(problem(429, 'RATE_LIMITED', 'too many requests for this key; slow down'), {
        'retry-after': String(wait),
      });
    }
    request.principal = principal;
    return true;
  }
}
