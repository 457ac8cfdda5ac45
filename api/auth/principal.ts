/** Who a verified token says the caller is. */
export const ROLES = ['customer', 'support', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A customer's id is its token's `sub`; it names keys, search attributes and URLs, so it is plain. */
export const CUSTOMER_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
const CUSTOMER_ID = new RegExp(CUSTOMER_ID_PATTERN);

export interface Principal {
  sub: string;
  role: Role;
  /** the contact a customer's notices go to: the token's own, verified claims (OpenID Connect names) */
  email?: string;
  phone?: string;
}

/** The claims this service reads; an identity provider's token carries more, which are ignored. */
export interface Claims {
  sub?: unknown;
  email?: unknown;
  email_verified?: unknown;
  phone_number?: unknown;
  phone_number_verified?: unknown;
  [claim: string]: unknown;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

/** The one role of ours among the claim's values (a string, or a list that may hold others' roles). */
function roleOf(value: unknown): { role: Role } | { refused: string } {
  const given: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const ours = ROLES.filter((role) => given.includes(role));
  const [role] = ours;
  if (ours.length === 1 && role !== undefined) return { role };
  return {
    refused: ours.length === 0 ? 'names none of the roles customer, support, admin' : 'names several roles',
  };
}

/**
 * The principal of a verified token's claims, or why there is none. A contact marked unverified
 * (`email_verified: false`) is not used: notices go only to what the identity provider vouches for.
 */
export function principalOf(claims: Claims, roleClaim: string): Principal | { refused: string } {
  const found = roleOf(claims[roleClaim]);
  if ('refused' in found) return { refused: `the ${roleClaim} claim ${found.refused}` };
  const { role } = found;
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') return { refused: 'the token has no subject' };
  if (role === 'customer' && !CUSTOMER_ID.test(sub)) {
    return { refused: 'a customer token needs a subject of letters, digits and _.:- (at most 64)' };
  }
  const principal: Principal = { sub, role };
  if (typeof claims.email === 'string' && EMAIL.test(claims.email) && claims.email_verified !== false) {
    principal.email = claims.email;
  }
  const phone = claims.phone_number;
  if (typeof phone === 'string' && E164.test(phone) && claims.phone_number_verified !== false) {
    principal.phone = phone;
  }
  return principal;
}
