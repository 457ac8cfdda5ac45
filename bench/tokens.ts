import { signToken, type TokenSettings } from '../api/auth/tokens';
import type { Config } from '../config';

/** The stack's token settings; stackEnvironment always gives it a secret. */
export function authOf(config: Config): TokenSettings {
  if (config.auth === undefined) throw new Error('the stack has no AUTH_JWT_SECRET');
  return config.auth;
}

/** The domain of every bench customer's mailbox; a bouncing customer's is a subdomain the mailbox refuses. */
export const MAIL_DOMAIN = 'example.test';
/** What the local mailbox accepts (`Mailbox.acceptOnly`): every bench customer's mail but the bouncing ones'. */
export const ACCEPTED_RECIPIENTS = `@${MAIL_DOMAIN.replace('.', '\\.')}$`;

/**
 * The benchmark's and the reliability suite's callers: tokens signed with the stack's own secret, as
 * its identity provider would sign them, each made once. A customer's email is `<id>@example.test`, or
 * `<id>@bounces.example.test` for the customers `bouncing` names (whose mail the mailbox can refuse).
 */
export class BenchTokens {
  private readonly customers = new Map<string, string>();
  readonly admin: string;
  readonly support: string;

  constructor(
    private readonly auth: TokenSettings,
    private readonly bouncing: (id: string) => boolean = () => false,
  ) {
    this.admin = this.bearer({ sub: 'bench-admin', role: 'admin' });
    this.support = this.bearer({ sub: 'bench-support', role: 'support' });
  }

  private bearer(request: Parameters<typeof signToken>[1]): string {
    return `Bearer ${signToken(this.auth, { ttlMs: 24 * 3_600_000, ...request })}`;
  }

  /** The Authorization header of customer `id`. */
  customer(id: string): string {
    let token = this.customers.get(id);
    if (token === undefined) {
      const domain = this.bouncing(id) ? `bounces.${MAIL_DOMAIN}` : MAIL_DOMAIN;
      token = this.bearer({ sub: id, role: 'customer', email: `${id}@${domain}` });
      this.customers.set(id, token);
    }
    return token;
  }
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Tokens the API must refuse, by what is wrong with them: each made like a real one but for one
 * thing (the signing secret, the expiry, the audience, the issuer, the algorithm, the subject).
 */
export function forgedTokens(auth: TokenSettings): Record<string, string> {
  const secret = 'secret' in auth.keys ? auth.keys.secret : '';
  const customer = { sub: 'chaos-customer-0', role: 'customer' as const, email: 'x@example.test' };
  const withSettings = (changes: Partial<TokenSettings>, ttlMs = 600_000) =>
    `Bearer ${signToken({ ...auth, ...changes }, { ...customer, ttlMs })}`;
  const now = Math.floor(Date.now() / 1000);
  return {
    'forged-token': withSettings({ keys: { secret: `${secret}-not-the-same-secret` } }),
    'expired-token': `Bearer ${signToken(auth, { ...customer, expiresAt: now - 3_600 })}`,
    'wrong-audience': withSettings({ audience: 'another-api' }),
    'wrong-issuer': withSettings({ issuer: 'https://issuer.example' }),
    'alg-none': `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...customer, role: 'admin', iss: auth.issuer, aud: auth.audience, exp: now + 600 })}.`,
    'injected-subject': `Bearer ${signToken(auth, { ...customer, sub: '{"$gt":""}' })}`,
    'not-a-token': 'Bearer not-a-token',
    'basic-credentials': `Basic ${Buffer.from('admin:admin').toString('base64')}`,
  };
}
