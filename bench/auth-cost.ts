import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { buildApp } from '../api/app';
import { signToken, type TokenSettings } from '../api/auth/tokens';

const AUTH: TokenSettings = {
  issuer: 'order-saga',
  audience: 'order-saga-api',
  clockSkewMs: 30_000,
  roleClaim: 'role',
  keys: { secret: randomBytes(32).toString('base64url') },
};

/** The API with nothing behind it: only the routes added here are called. */
const inertApp = () =>
  buildApp({
    temporal: {} as Client,
    db: {} as Db,
    redis: {} as Redis,
    ordersTaskQueue: 'orders',
    projectionsTaskQueue: 'projections',
    paymentTerms: { dueAfterMs: 1, reminderAfterMs: 1 },
    webhooks: {
      taskQueue: 'webhooks',
      projectionsTaskQueue: 'projections',
      retry: { initialMs: 1, maxMs: 1, windowMs: 1 },
      outbound: { allowLoopback: false, timeoutMs: 1, maxResponseBytes: 1 },
      secretOverlapMs: 1,
    },
    auth: AUTH,
  });

/**
 * `node dist/bench/auth-cost.js`: what authentication costs one request, in the API's own hooks (the
 * token verified by @fastify/jwt with its cache, the principal, the route's rule), measured by
 * `inject` on a route whose handler does nothing: the same request with a token and, on a public route
 * of the same handler, without. Prints microseconds per request for cache hits (a client's repeated
 * requests) and misses (a token's first request).
 */
async function main(): Promise<void> {
  const app = await inertApp();
  const handler = async () => ({ ok: true });
  app.get('/bench/public', { config: { access: { anonymous: true, roles: [] } } }, handler);
  app.get('/bench/owned', { config: { access: { anonymous: false, roles: ['customer'] } } }, handler);
  await app.ready();
  const tokens = Array.from({ length: 20_000 }, (_, i) =>
    signToken(AUTH, { sub: `c-${i}`, role: 'customer', email: `c${i}@example.test` }),
  );
  const time = async (n: number, request: (i: number) => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await request(i);
    return ((performance.now() - t0) * 1000) / n;
  };
  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  // Rounds taking turns, the median of each: the machine's speed drifts from second to second.
  const rounds = { bare: [] as number[], hits: [] as number[], misses: [] as number[] };
  for (let round = 0; round < 7; round++) {
    rounds.bare.push(await time(10_000, () => get('/bench/public')));
    rounds.hits.push(await time(10_000, (i) => get('/bench/owned', tokens[i % 100])));
    rounds.misses.push(await time(2_500, (i) => get('/bench/owned', tokens[100 + round * 2_500 + i] ?? '')));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const [bare, hits, misses] = [median(rounds.bare), median(rounds.hits), median(rounds.misses)];
  console.log(
    `[auth-cost] a request through the API's hooks, no token: ${bare.toFixed(1)} µs (median of 7 rounds)`,
  );
  console.log(
    `[auth-cost] with a customer's token verified before (cached): +${(hits - bare).toFixed(1)} µs`,
  );
  console.log(`[auth-cost] with a token's first request (HS256 verified): +${(misses - bare).toFixed(1)} µs`);
  await app.close();
}

void main();
