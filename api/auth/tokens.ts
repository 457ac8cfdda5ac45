import type { FastifyJWTOptions } from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import { createSigner } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import type { Role } from './principal';

/** How bearer tokens are checked: who issues them, for whom, and with which keys. */
export interface TokenSettings {
  /** the `iss` every token must carry (AUTH_ISSUER) */
  issuer: string;
  /** the `aud` every token must carry: this API (AUTH_AUDIENCE) */
  audience: string;
  /** how far the clocks of the issuer and this API may differ (AUTH_CLOCK_SKEW) */
  clockSkewMs: number;
  /** the claim that names the caller's role (AUTH_ROLE_CLAIM, default `role`) */
  roleClaim: string;
  /**
   * A shared secret (HS256, AUTH_JWT_SECRET: for local use, where this service issues its own
   * tokens) or the identity provider's key set (AUTH_JWKS_URL: RS256, PS256, ES256 or EdDSA).
   */
  keys: { secret: string } | { jwksUrl: string };
}

/** Asymmetric algorithms an identity provider signs with; never HS* with a public key, never none. */
const PROVIDER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

/**
 * The key of a token from the configured JWKS (fetched once per key id, then cached). The URL is the
 * configuration's, never the token's `iss`: a token cannot make the API fetch from where it says.
 */
function jwksKeyFetcher(jwksUrl: string) {
  const url = new URL(jwksUrl);
  const jwks = buildGetJwks({ jwksPath: url.pathname, max: 100, ttl: 3_600_000 });
  return (_request: unknown, token: { header: { kid?: string; alg?: string } }): Promise<string> =>
    jwks.getPublicKey({ domain: url.origin, kid: token.header.kid, alg: token.header.alg });
}

/**
 * @fastify/jwt's options: issuer, audience, expiry (required) and subject checked, the clock skew
 * allowed, the algorithms pinned to the kind of key. Tokens verified once are kept by the access
 * hook itself (api/auth/verified-tokens.ts), so @fastify/jwt sees only a token's first request.
 */
export function jwtOptions(
  settings: TokenSettings,
  extractToken: (request: FastifyRequest) => string,
): FastifyJWTOptions {
  const verify = {
    extractToken,
    allowedIss: settings.issuer,
    allowedAud: settings.audience,
    clockTolerance: settings.clockSkewMs,
    requiredClaims: ['iss', 'aud', 'exp', 'sub'],
  };
  if ('secret' in settings.keys) {
    return { secret: settings.keys.secret, verify: { ...verify, algorithms: ['HS256'] } };
  }
  return {
    decode: { complete: true },
    secret: jwksKeyFetcher(settings.keys.jwksUrl),
    verify: { ...verify, algorithms: PROVIDER_ALGORITHMS },
  } as FastifyJWTOptions;
}

export interface TokenRequest {
  sub: string;
  role: Role;
  email?: string;
  phone?: string;
  /** how long it is valid; default an hour */
  ttlMs?: number;
  /** or when it expires, in seconds since the epoch (a past one makes an expired token) */
  expiresAt?: number;
}

/**
 * A token signed with the shared secret, as this deployment's own issuer would make it: for local use
 * (`npm run token`, the demo tokens `npm start` prints), the benchmark and the tests.
 */
export function signToken(settings: TokenSettings, request: TokenRequest): string {
  if (!('secret' in settings.keys)) {
    throw new Error('tokens are issued by the identity provider when AUTH_JWKS_URL is set');
  }
  const sign = createSigner({
    key: settings.keys.secret,
    algorithm: 'HS256',
    iss: settings.issuer,
    aud: settings.audience,
    sub: request.sub,
    ...(request.expiresAt === undefined && { expiresIn: request.ttlMs ?? 3_600_000 }),
  });
  const claims: Record<string, unknown> = { [settings.roleClaim]: request.role };
  if (request.expiresAt !== undefined) claims.exp = request.expiresAt;
  if (request.email !== undefined) Object.assign(claims, { email: request.email, email_verified: true });
  if (request.phone !== undefined) {
    Object.assign(claims, { phone_number: request.phone, phone_number_verified: true });
  }
  return sign(claims);
}
