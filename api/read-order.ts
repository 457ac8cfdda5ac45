import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { findOrder, type OrderDoc } from '../projections/orders/mongo';
import { readOrderFromRedis } from '../projections/orders/redis';

export type ReadSource = 'redis' | 'mongodb';

/** The order's read model: the Redis hot copy, or MongoDB when Redis misses or is down. */
export async function readOrderDoc(
  deps: { db: Db; redis: Redis },
  orderId: string,
  log: FastifyBaseLogger,
): Promise<{ doc: OrderDoc; source: ReadSource } | null> {
  try {
    const doc = await readOrderFromRedis(deps.redis, orderId);
    if (doc) return { doc, source: 'redis' };
  } catch (err) {
    log.warn({ err }, 'redis read failed, falling back to MongoDB');
  }
  const doc = await findOrder(deps.db, orderId);
  return doc && { doc, source: 'mongodb' };
}

/**
 * Reads until the answer reflects at least event `minSeq` (a client waiting for its own write), polling
 * for at most `waitMs`; then answers with what there is, its `freshness.seq` telling how far it got.
 */
export async function readOrderAtLeast(
  deps: { db: Db; redis: Redis },
  orderId: string,
  minSeq: number,
  log: FastifyBaseLogger,
  waitMs = 3000,
): Promise<{ doc: OrderDoc; source: ReadSource } | null> {
  if (minSeq <= 0) return readOrderDoc(deps, orderId, log);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = await readOrderDoc(deps, orderId, log);
    if ((found && found.doc.version >= minSeq) || Date.now() >= deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}
