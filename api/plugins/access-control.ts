import fp from 'fastify-plugin';
import { registerAccessControl } from '../auth/access';

/**
 * Who may call what: the bearer token verified, the caller recorded, 401/403 before any body is read,
 * and every route required to declare its `access` (api/auth/access.ts).
 */
export const accessControl = fp(registerAccessControl, { name: 'access-control' });
