import type { Redis } from 'ioredis';
import type { Collection, Db } from 'mongodb';
import type { StockSnapshot } from '../../domain/stock';
import { replaceIfNewer } from '../upsert';

/** `products`: the catalog with price and stock, as of the newest ledger movement of each SKU. */
export interface ProductView {
  _id: string;
  name: string;
  price: number;
  currency: string;
  available: number;
  reserved: number;
  /** the ledger movement this reflects */
  version: number;
  projectedAt: Date;
}

export const productsCollection = (db: Db): Collection<ProductView> => db.collection<ProductView>('products');
export const CATALOG_KEY = 'catalog';
const CATALOG_SEQ_KEY = 'catalog:seq';

/** Pure: a snapshot is the whole product, so the newest one wins. */
export const productView = (s: StockSnapshot, projectedAt: Date): ProductView => ({
  _id: s.sku,
  name: s.name,
  price: s.price,
  currency: s.currency,
  available: s.available,
  reserved: s.reserved,
  version: s.seq,
  projectedAt,
});

const SET_IF_NEWER = `
local seq = tonumber(redis.call('HGET', KEYS[2], ARGV[1])) or 0
if seq >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/** MongoDB then the Redis catalog, each only if newer: snapshots may arrive in any order, twice. */
export async function applyStockSnapshot(db: Db, redis: Redis, s: StockSnapshot, now: Date): Promise<void> {
  await cacheProductView(redis, s, await storeProductView(db, s, now));
}

/** The products view of record (MongoDB) as of a stock snapshot; a later one is never overwritten. */
export async function storeProductView(db: Db, s: StockSnapshot, now: Date): Promise<ProductView> {
  const view = productView(s, now);
  await replaceIfNewer(db, productsCollection(db), view);
  return view;
}

/** The Redis catalog copy of a product view; it only ever moves forward (by the snapshot's seq). */
export async function cacheProductView(redis: Redis, s: StockSnapshot, view: ProductView): Promise<void> {
  await redis.eval(SET_IF_NEWER, 2, CATALOG_KEY, CATALOG_SEQ_KEY, s.sku, String(s.seq), JSON.stringify(view));
}

const parse = (raw: string): ProductView => {
  const v = JSON.parse(raw) as Omit<ProductView, 'projectedAt'> & { projectedAt: string };
  return { ...v, projectedAt: new Date(v.projectedAt) };
};

export async function productFromRedis(redis: Redis, sku: string): Promise<ProductView | null> {
  const raw = await redis.hget(CATALOG_KEY, sku);
  return raw === null ? null : parse(raw);
}

export async function catalogFromRedis(redis: Redis): Promise<ProductView[]> {
  const all = await redis.hgetall(CATALOG_KEY);
  return Object.values(all)
    .map(parse)
    .sort((a, b) => a._id.localeCompare(b._id));
}
