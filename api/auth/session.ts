import type { FastifyRequest } from 'fastify';

/**
 * The cookie that carries an operator's token to the codec server, for a Web UI that has no login of
 * its own to pass (the dev server's): set by `/codec/login`, HttpOnly, SameSite=Strict, and sent only
 * to `/codec` paths. Routes accept it only where they say so (`config.cookie`), never the rest of the API.
 */
export const SESSION_COOKIE = 'order_saga_codec';

/** One cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The credential a request presents: its Authorization header as given, or, on a route that accepts
 * the session cookie, that cookie as a bearer token. Undefined: none.
 */
export function presentedCredential(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return header;
  const cookie = request.routeOptions.config.cookie;
  const token = cookie === undefined ? undefined : cookieValue(request.headers.cookie, cookie);
  return token === undefined ? undefined : `Bearer ${token}`;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of a bearer credential; null when the credential is of another scheme or malformed. */
export const bearerToken = (credential: string): string | null => BEARER.exec(credential)?.[1] ?? null;

/** The Set-Cookie of a session holding `token` until `expiresAt` (seconds), or clearing it. */
export function sessionCookie(request: FastifyRequest, token: string | null, expiresAt = 0): string {
  const maxAge = token === null ? 0 : Math.max(0, Math.floor(expiresAt - Date.now() / 1000));
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token ?? ''}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}
