import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { AppDeps } from './app';
import { HttpProblem } from './problem';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The admin API's guard: `Authorization: Bearer <ADMIN_API_KEY>`. No key → 401 (with the scheme to
 * use), a wrong key → 403; compared in constant time. Without a configured key it refuses everyone.
 */
export function requireAdminKey(key: string | undefined): onRequestAsyncHookHandler {
  const expected = key === undefined ? null : digest(key);
  return async (request, reply) => {
    const header = request.headers.authorization;
    const given = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (given === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="admin"');
      throw new HttpProblem(
        401,
        'Unauthorized',
        'this endpoint needs the admin API key: Authorization: Bearer <key>',
        'about:blank',
        [{ field: 'headers.authorization', message: 'missing or not a Bearer token' }],
      );
    }
    if (expected === null || !timingSafeEqual(digest(given), expected)) {
      throw new HttpProblem(
        403,
        'Forbidden',
        expected === null ? 'the admin API is disabled: no ADMIN_API_KEY is configured' : 'wrong API key',
        'about:blank',
        [{ field: 'headers.authorization', message: 'not the admin API key' }],
      );
    }
  };
}

/**
 * Guards an admin plugin: its own, tighter rate limit per client address (counted apart from the
 * global one, so it also bounds guessing the key), then the key check.
 */
export function guardAdmin(app: FastifyInstance, deps: Pick<AppDeps, 'adminApiKey' | 'rateLimit'>): void {
  if (deps.rateLimit) {
    app.addHook(
      'onRequest',
      app.rateLimit({
        max: deps.rateLimit.adminMax,
        timeWindow: deps.rateLimit.windowMs,
        keyGenerator: (request) => `admin:${request.ip}`,
      }),
    );
  }
  app.addHook('onRequest', requireAdminKey(deps.adminApiKey));
}
