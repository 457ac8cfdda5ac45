import { signToken, type TokenSettings } from '../../api/auth/tokens';

/** The test deployment's issuer: a shared secret, as `npm start` has (api/auth/tokens.ts). */
export const TEST_AUTH: TokenSettings = {
  issuer: 'order-saga-test',
  audience: 'order-saga-api',
  clockSkewMs: 30_000,
  roleClaim: 'role',
  keys: { secret: 'test-token-secret-0123456789-abcdefghij' },
};

/** A customer as its identity provider knows it: its id (the token's subject) and verified contact. */
export interface TestCustomer {
  id: string;
  email: string;
  phone?: string;
}

const HOURS_6 = 6 * 3_600_000;

/** The Authorization header of a customer's token. */
export function asCustomer(customer: TestCustomer): { authorization: string } {
  const { id: sub, email, phone } = customer;
  const token = signToken(TEST_AUTH, { sub, role: 'customer', email, phone, ttlMs: HOURS_6 });
  return { authorization: `Bearer ${token}` };
}

/** The Authorization header of a staff member's token. */
export function asStaff(role: 'support' | 'admin', sub = `test-${role}`): { authorization: string } {
  return { authorization: `Bearer ${signToken(TEST_AUTH, { sub, role, ttlMs: HOURS_6 })}` };
}

export const AS_ADMIN = asStaff('admin');
export const AS_SUPPORT = asStaff('support');

/** TEST_AUTH as the environment of a process started from its entry point. */
export const TEST_AUTH_ENV = {
  AUTH_JWT_SECRET: (TEST_AUTH.keys as { secret: string }).secret,
  AUTH_ISSUER: TEST_AUTH.issuer,
  AUTH_AUDIENCE: TEST_AUTH.audience,
};
