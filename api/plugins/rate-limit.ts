import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import fastifyRateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { HttpProblem } from '../problem';
import { budgetStore, SharedBudget } from '../shared-budget';

export interface RateLimit {
  /** requests per window of one caller: a token's subject, or the client address without one */
  max: number;
  windowMs: number;
  /** how often a process adds its counts to the shared ones in Redis (200 ms) */
  syncMs?: number;
}

/** Whose budget a request spends: its verified caller's, else its client address's. */
const rateLimitKey = (request: FastifyRequest): string =>
  request.principal ? `${request.principal.role}:${request.principal.sub}` : `ip:${request.ip}`;

/**
 * Requests per caller and window, one budget for all API processes, kept in Redis and synced in
 * batches (api/shared-budget.ts); over it, 429 with Retry-After. Registered after access control, so
 * that it counts by caller. No limit given: none (tests).
 */
async function limitRequests(
  app: FastifyInstance,
  { redis, limit }: { redis: Redis; limit: RateLimit | undefined },
): Promise<void> {
  if (!limit) return;
  const budget = new SharedBudget(redis, limit.windowMs, limit.syncMs);
  app.addHook('onClose', async () => budget.close());
  await app.register(fastifyRateLimit, {
    global: true,
    store: budgetStore(budget),
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, ctx) =>
      new HttpProblem({
        status: 429,
        title: 'Too many requests',
        detail: `at most ${ctx.max} requests per ${ctx.after} from one caller; retry after the time in Retry-After`,
      }),
  });
}

export const rateLimit = fp(limitRequests, { name: 'rate-limit' });
