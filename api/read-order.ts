import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { findOrder, type OrderDoc } from '../projections/orders/mongo';
import { readOrderFromRedis } from '../projections/orders/redis';
import type { OrderChanges } from './order-changes';

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
 * Reads until the answer reflects at least event `minSeq` (a client waiting for its own write), for at
 * most `waitMs`; then answers with what there is, its `freshness.seq` telling how far it got. With
 * `changes` the read is retried the moment the projector announces a newer version (a bounded poll
 * stays as the fallback for a missed message); without, it polls every 50 ms.
 */
export async function readOrderAtLeast(
  deps: { db: Db; redis: Redis; changes?: OrderChanges },
  orderId: string,
  minSeq: number,
  log: FastifyBaseLogger,
  waitMs = 3000,
): Promise<{ doc: OrderDoc; source: ReadSource } | null> {
  if (minSeq <= 0) return readOrderDoc(deps, orderId, log);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left = deadline - Date.now();
    // Listen before reading, so a version announced between the read and the wait is not missed.
    const wait = deps.changes?.until(orderId, minSeq, Math.min(left, 250));
    const found = await readOrderDoc(deps, orderId, log);
    if ((found && found.doc.version >= minSeq) || left <= 0) {
      wait?.cancel();
      return found;
    }
    if (wait) await wait.done;
    else await new Promise((r) => setTimeout(r, Math.min(left, 50)));
  }
}
