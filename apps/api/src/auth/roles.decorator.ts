import { SetMetadata } from '@nestjs/common';
import type { Role } from '../config/app-config';

export const ROLES_KEY = 'roles';
export const PUBLIC_KEY = 'public';

/** The roles that may call a route; `admin` may call every route. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route anyone may call without a key (health, metrics, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
