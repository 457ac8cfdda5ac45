import type { Redis } from 'ioredis';
import type { Collection, Db } from 'mongodb';
import type { OrderEvent, OrderEventType } from '../../domain/events';
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

/**
 * What it is a projection of: the SKU's stock ledger, each movement carrying the whole product (a
 * snapshot). Catalog commands project theirs at once; of the order events, these carry them.
 */
export const handles = ['StockReserved', 'StockReleased'] as const satisfies readonly OrderEventType[];

/** The snapshots an order event carries (none for an event not in `handles`). */
export const snapshotsOf = (event: OrderEvent): readonly StockSnapshot[] =>
  event.type === 'StockReserved' || event.type === 'StockReleased' ? event.data.stock : [];

/** A snapshot is the whole product, so the newest one wins (snapshots may come late, or twice). */
export const evolve = (doc: ProductView | null, snapshot: StockSnapshot, projectedAt: Date): ProductView =>
  doc !== null && doc.version >= snapshot.seq ? doc : productView(snapshot, projectedAt);

/** What some order events leave of each product they carry: its view after the newest snapshot. */
export function productsOf(events: readonly OrderEvent[], projectedAt: Date): ProductView[] {
  const views = new Map<string, ProductView>();
  for (const snapshot of events.flatMap(snapshotsOf)) {
    views.set(snapshot.sku, evolve(views.get(snapshot.sku) ?? null, snapshot, projectedAt));
  }
  return [...views.values()];
}

const productView = (s: StockSnapshot, projectedAt: Date): ProductView => ({
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
export async function applyStockSnapshot(
  db: Db,
  redis: Redis,
  s: StockSnapshot,
  now: Date,
): Promise<ProductView> {
  const view = evolve(null, s, now);
  await storeProductView(db, view);
  await cacheProductView(redis, view);
  return view;
}

/** The products view of record (MongoDB); a newer one is never overwritten. */
export async function storeProductView(db: Db, view: ProductView): Promise<void> {
  await replaceIfNewer(db, productsCollection(db), view);
}

/** The Redis catalog copy of a product view; it only ever moves forward (by its ledger seq). */
export async function cacheProductView(redis: Redis, view: ProductView): Promise<void> {
  await redis.eval(
    SET_IF_NEWER,
    2,
    CATALOG_KEY,
    CATALOG_SEQ_KEY,
    view._id,
    String(view.version),
    JSON.stringify(view),
  );
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
