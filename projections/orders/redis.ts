import type { Redis } from 'ioredis';
import type { OrderDoc } from './mongo';

export const orderKey = (orderId: string) => `order:${orderId}`;
export const STATUS_COUNTERS_KEY = 'orders:by-status';

/**
 * Writes the hot document only when it is newer than what Redis holds, and moves the status counters
 * in the same atomic step, so retries and out-of-order writes never take the cache backwards.
 */
const SET_IF_NEWER = `
local cur = redis.call('HMGET', KEYS[1], 'version', 'status')
local version = tonumber(cur[1]) or 0
if version >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'status', ARGV[2], 'doc', ARGV[3])
if cur[2] ~= ARGV[2] then
  if cur[2] then redis.call('HINCRBY', KEYS[2], cur[2], -1) end
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return 1`;

export async function writeOrderToRedis(redis: Redis, doc: OrderDoc): Promise<boolean> {
  const res = await redis.eval(
    SET_IF_NEWER,
    2,
    orderKey(doc._id),
    STATUS_COUNTERS_KEY,
    String(doc.version),
    doc.status,
    JSON.stringify(doc),
  );
  return res === 1;
}

export async function readOrderFromRedis(redis: Redis, orderId: string): Promise<OrderDoc | null> {
  const raw = await redis.hget(orderKey(orderId), 'doc');
  if (raw === null) return null;
  const parsed = JSON.parse(raw) as Omit<OrderDoc, 'projectedAt'> & { projectedAt: string };
  return { ...parsed, projectedAt: new Date(parsed.projectedAt) };
}
