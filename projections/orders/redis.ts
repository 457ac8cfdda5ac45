import type { Redis } from 'ioredis';
import type { OrderDoc } from './view';

export const orderKey = (orderId: string) => `order:${orderId}`;
export const customerOrdersKey = (customerId: string) => `customer:${customerId}:orders`;
export const STATUS_COUNTERS_KEY = 'orders:by-status';
/** revenue of completed orders per currency, minor units */
export const REVENUE_KEY = 'orders:revenue';
/** events reflected by the hot documents (sum of their versions) and when the last one landed */
export const PROJECTED_KEY = 'orders:projected';
/** channel where every applied hot document is announced as `<orderId> <version>` (readers waiting for a write) */
export const ORDER_CHANGES_CHANNEL = 'orders:changes';
/** how many of a customer's orders the recent list keeps */
export const RECENT_ORDERS = 50;

/**
 * Writes the hot document only when it is newer than what Redis holds, and in the same atomic step
 * moves the status counters, adds the revenue of an order that just completed and keeps the
 * customer's recent-orders list; so retries and out-of-order writes never count twice or go backwards.
 */
const SET_IF_NEWER = `
local cur = redis.call('HMGET', KEYS[1], 'version', 'status')
local version = tonumber(cur[1]) or 0
if version >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'status', ARGV[2], 'doc', ARGV[3])
if cur[2] ~= ARGV[2] then
  if cur[2] then redis.call('HINCRBY', KEYS[2], cur[2], -1) end
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  if ARGV[2] == 'COMPLETED' and ARGV[4] ~= '' then
    redis.call('HINCRBY', KEYS[3], ARGV[4], tonumber(ARGV[5]))
    redis.call('HSET', KEYS[1], 'revenue', ARGV[4] .. ' ' .. ARGV[5])
  end
end
redis.call('ZADD', KEYS[4], tonumber(ARGV[6]), ARGV[7])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -1 - tonumber(ARGV[8]))
redis.call('HINCRBY', KEYS[5], 'events', tonumber(ARGV[1]) - version)
local at = redis.call('HGET', KEYS[5], 'at')
if not at or at < ARGV[9] then redis.call('HSET', KEYS[5], 'at', ARGV[9]) end
redis.call('PUBLISH', ARGV[10], ARGV[7] .. ' ' .. ARGV[1])
return 1`;

const argsOf = (doc: OrderDoc): string[] => [
  String(doc.version),
  doc.status,
  JSON.stringify(doc),
  doc.currency ?? '',
  String(doc.total),
  String(Date.parse(doc.placedAt)),
  doc._id,
  String(RECENT_ORDERS),
  doc.projectedAt.toISOString(),
  ORDER_CHANGES_CHANNEL,
];

export async function writeOrderToRedis(redis: Redis, doc: OrderDoc): Promise<boolean> {
  return (await redis.eval(SET_IF_NEWER, 5, ...orderKeys(doc._id, doc.customer.id), ...argsOf(doc))) === 1;
}

/**
 * Takes back what a stored hot document added to the counters: its status, its events and the revenue
 * it counted (kept beside it as `<currency> <amount>`, whatever its copy of the document says now).
 */
const UNDO_STORED = `
local cur = redis.call('HMGET', KEYS[1], 'version', 'status', 'revenue')
if cur[1] then
  redis.call('HINCRBY', KEYS[2], cur[2], -1)
  if cur[3] then
    local currency, amount = string.match(cur[3], '^(%S+) (%-?%d+)$')
    redis.call('HINCRBY', KEYS[3], currency, -tonumber(amount))
  end
  redis.call('HINCRBY', KEYS[5], 'events', -tonumber(cur[1]))
end`;

/**
 * The rebuild's write: the hot document becomes `doc` unless Redis holds a newer version (a live
 * projector moved on), even at the same version (a copy that drifted); the counters follow.
 */
const REPLACE_UNLESS_NEWER = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'version')) or 0
if stored > tonumber(ARGV[1]) then return 0 end
${UNDO_STORED}
redis.call('DEL', KEYS[1])
${SET_IF_NEWER}`;

/** An order no rebuilt document accounts for leaves Redis, and its counts with it. */
const DROP = `${UNDO_STORED}
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1`;

const orderKeys = (orderId: string, customerId: string) => [
  orderKey(orderId),
  STATUS_COUNTERS_KEY,
  REVENUE_KEY,
  customerOrdersKey(customerId),
  PROJECTED_KEY,
];

/** `writeOrderToRedis` for the rebuild: replaces what Redis holds unless Redis holds a newer version. */
export async function replaceOrderInRedis(redis: Redis, doc: OrderDoc): Promise<boolean> {
  return (
    (await redis.eval(REPLACE_UNLESS_NEWER, 5, ...orderKeys(doc._id, doc.customer.id), ...argsOf(doc))) === 1
  );
}

/** Removes an order's hot document, its place in its customer's recent list and its counts. */
export async function dropOrderFromRedis(redis: Redis, orderId: string): Promise<void> {
  const stored = await readOrderFromRedis(redis, orderId);
  if (stored) await redis.eval(DROP, 5, ...orderKeys(orderId, stored.customer.id), orderId);
}

/** The ids of every order Redis holds a hot document of. */
export async function* ordersInRedis(redis: Redis): AsyncGenerator<string> {
  const prefix = orderKey('');
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<
    string[]
  >) {
    for (const key of keys) yield key.slice(prefix.length);
  }
}

export async function readOrderFromRedis(redis: Redis, orderId: string): Promise<OrderDoc | null> {
  const raw = await redis.hget(orderKey(orderId), 'doc');
  if (raw === null) return null;
  const parsed = JSON.parse(raw) as Omit<OrderDoc, 'projectedAt'> & { projectedAt: string };
  return { ...parsed, projectedAt: new Date(parsed.projectedAt) };
}

/** The customer's most recent order ids, newest first. */
export async function recentOrderIds(redis: Redis, customerId: string, limit: number): Promise<string[]> {
  return redis.zrevrange(customerOrdersKey(customerId), 0, limit - 1);
}

/**
 * The first page of a customer's orders from Redis (newest first, ties by id descending, as MongoDB
 * sorts them), or null when Redis cannot answer it in full: the page reaches past the recent list, or
 * the list does not hold every order the customer view counts (Redis was emptied and is refilling),
 * or one of the hot documents is missing.
 */
export async function recentOrdersFromRedis(
  redis: Redis,
  customerId: string,
  limit: number,
  orderCount: number,
): Promise<{ items: OrderDoc[]; more: boolean } | null> {
  if (limit >= RECENT_ORDERS) return null;
  const key = customerOrdersKey(customerId);
  const [size, ids] = await Promise.all([redis.zcard(key), recentOrderIds(redis, customerId, limit + 1)]);
  if (size !== Math.min(orderCount, RECENT_ORDERS)) return null;
  const docs = await Promise.all(ids.slice(0, limit).map((id) => readOrderFromRedis(redis, id)));
  if (docs.some((d) => d === null)) return null;
  return { items: docs as OrderDoc[], more: ids.length > limit };
}
