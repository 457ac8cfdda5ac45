import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { ordersCollection } from './orders/view';
import { PROJECTED_KEY, REVENUE_KEY, STATUS_COUNTERS_KEY } from './orders/redis';

export interface OrderStats {
  ordersByStatus: Record<string, number>;
  revenue: Record<string, number>;
  /** how many order events the figures reflect (the sum of the orders' versions) and when the last landed */
  reflects: { events: number; projectedAt: Date | null };
}

/** Redis hash → numbers; a status whose counter went back to 0 is left out, as MongoDB would. */
const numbers = (h: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(h)
      .map(([k, v]) => [k, Number(v)] as const)
      .filter(([, n]) => n !== 0),
  );

/** The dashboard's counters, kept by the projector in Redis. */
export async function statsFromRedis(redis: Redis): Promise<OrderStats> {
  const [byStatus, revenue, projected] = await Promise.all([
    redis.hgetall(STATUS_COUNTERS_KEY),
    redis.hgetall(REVENUE_KEY),
    redis.hgetall(PROJECTED_KEY),
  ]);
  return {
    ordersByStatus: numbers(byStatus),
    revenue: numbers(revenue),
    reflects: {
      events: Number(projected.events ?? 0),
      projectedAt: projected.at ? new Date(projected.at) : null,
    },
  };
}

/** The same figures computed from the `orders` read model (when Redis is down). */
export async function statsFromMongo(db: Db): Promise<OrderStats> {
  const ordersByStatus: Record<string, number> = {};
  const revenue: Record<string, number> = {};
  const reflects: OrderStats['reflects'] = { events: 0, projectedAt: null };
  const orders = await ordersCollection(db)
    .find({}, { projection: { status: 1, total: 1, currency: 1, version: 1, projectedAt: 1 } })
    .toArray();
  for (const o of orders) {
    reflects.events += o.version;
    if (reflects.projectedAt === null || o.projectedAt > reflects.projectedAt)
      reflects.projectedAt = o.projectedAt;
    ordersByStatus[o.status] = (ordersByStatus[o.status] ?? 0) + 1;
    if (o.status === 'COMPLETED' && o.currency) revenue[o.currency] = (revenue[o.currency] ?? 0) + o.total;
  }
  return { ordersByStatus, revenue, reflects };
}
