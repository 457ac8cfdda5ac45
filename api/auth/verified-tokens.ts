import type { Principal } from './principal';

/**
 * Tokens verified before, by their exact text, each with its principal, until it expires (its `exp`
 * plus the clock skew allowed, at most `maxAgeMs` from now): a client's repeated requests cost a Map
 * lookup instead of a pass through @fastify/jwt (in the API's process, where each promise is tracked by
 * the Temporal client's AsyncLocalStorage, that pass took most of a cached read's time). At most `size`
 * tokens, the oldest dropped first. A token is only ever added after a full verification.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly skewMs: number,
    private readonly size = 10_000,
    private readonly maxAgeMs = 600_000,
  ) {}

  get(token: string, now = Date.now()): Principal | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  /** Keeps a verified token; `exp` in seconds, as the token says. */
  add(token: string, principal: Principal, exp: number, now = Date.now()): void {
    const until = Math.min(exp * 1000 + this.skewMs, now + this.maxAgeMs);
    if (until <= now) return;
    this.entries.set(token, { principal, until });
    if (this.entries.size > this.size) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
