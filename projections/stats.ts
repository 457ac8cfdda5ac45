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

/**
 * The same figures computed from the `orders` read model (when Redis is down), summed by the store:
 * nothing per order reaches the API (it loaded every order into memory before). One accumulator per
 * aggregation: FerretDB v1 answers 0 for every accumulator of a `$group` but the first.
 */
export async function statsFromMongo(db: Db): Promise<OrderStats> {
  const orders = ordersCollection(db);
  const [byStatus, completedByCurrency, events, last] = await Promise.all([
    orders.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]).toArray(),
    orders
      .aggregate<{ _id: string | null; total: number }>([
        { $match: { status: 'COMPLETED' } },
        { $group: { _id: '$currency', total: { $sum: '$total' } } },
      ])
      .toArray(),
    orders.aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: '$version' } } }]).toArray(),
    orders
      .find({}, { projection: { projectedAt: 1 } })
      .sort({ projectedAt: -1 })
      .limit(1)
      .toArray(),
  ]);
  const revenue: Record<string, number> = {};
  for (const { _id, total } of completedByCurrency) if (_id) revenue[_id] = total;
  return {
    ordersByStatus: Object.fromEntries(byStatus.map(({ _id, n }) => [_id, n])),
    revenue,
    reflects: { events: events[0]?.n ?? 0, projectedAt: last[0]?.projectedAt ?? null },
  };
}
