import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import { applyToOrders } from './orders/mongo';
import { writeOrderToRedis } from './orders/redis';

export interface ProjectionDeps {
  db: Db;
  redis: Redis;
  now?: () => Date;
}

/** Activities of the projector worker (task queue `projections`). */
export function createProjectionActivities({ db, redis, now = () => new Date() }: ProjectionDeps) {
  return {
    /** MongoDB first (the read model of record), then the Redis hot copy; both idempotent. */
    async projectEvent(event: OrderEvent): Promise<{ outcome: 'applied' | 'duplicate' }> {
      const { outcome, doc } = await applyToOrders(db, event, now());
      // A duplicate may follow a crash between the two writes: bring Redis up to date either way.
      if (doc) await writeOrderToRedis(redis, doc);
      return { outcome };
    },
  };
}
