import { ApplicationFailure } from '@temporalio/activity';
import type { Collection, Db } from 'mongodb';
import type { OrderItem, OrderLine } from '../domain/events';
import { ErrorCode } from '../domain/errors';
import { lineTotal, sum } from '../domain/money';
import { DEMO_CATALOG, type CatalogProduct } from '../domain/catalog';
import { isDuplicateKey } from '../infra/mongo-errors';
import { KeyedLock } from '../infra/keyed-lock';

/** Product facts (name, price). Stock is not kept here: it is the running balance of the ledger. */
export interface ProductDoc {
  _id: string;
  name: string;
  price: number;
  currency: string;
}

/**
 * The stock ledger: one document per movement of one SKU, numbered 1..n per SKU (`_id` = `sku:seq`),
 * each carrying the balance after it. A movement is appended only as `seq = head + 1`, so two writers
 * racing on the same SKU cannot both succeed: the unique `_id` lets exactly one insert win and the other
 * re-reads and retries. `ref` (unique) names the business fact (`reserve:<order>:<sku>`), so a retried
 * activity finds its movement already there instead of moving stock twice.
 *
 * Why not a conditional `$inc` on a stock document: FerretDB v1 does not apply concurrent updates of
 * one document atomically (measured: 20 racing conditional decrements of 5 units all "succeeded"),
 * while a unique-index insert is atomic on it and on MongoDB alike.
 */
export interface StockMovement {
  _id: string;
  sku: string;
  seq: number;
  ref: string;
  orderId: string | null;
  kind: 'seed' | 'reserve' | 'release';
  delta: number;
  /** units free to reserve after this movement */
  available: number;
  /** units held by open reservations after this movement */
  reserved: number;
  at: Date;
}

export function inventoryCollections(db: Db): {
  products: Collection<ProductDoc>;
  movements: Collection<StockMovement>;
} {
  return {
    products: db.collection<ProductDoc>('inventory'),
    movements: db.collection<StockMovement>('stock_movements'),
  };
}

export async function ensureInventoryIndexes(db: Db): Promise<void> {
  const { movements } = inventoryCollections(db);
  await movements.createIndex({ ref: 1 }, { unique: true });
  await movements.createIndex({ sku: 1, seq: -1 });
  await movements.createIndex({ orderId: 1 });
}

/** The latest movement of a SKU: its balance is the current stock. */
export async function stockHead(db: Db, sku: string): Promise<StockMovement | null> {
  const [head] = await inventoryCollections(db).movements.find({ sku }).sort({ seq: -1 }).limit(1).toArray();
  return head ?? null;
}

type Append = Pick<StockMovement, 'ref' | 'orderId' | 'kind'> & {
  /** change of `available`; reserved moves the opposite way except for seeding */
  delta: number;
};

/**
 * Appends a movement at the head of the SKU's ledger. Returns 'exists' when a movement with the same
 * ref is already there (a retry), 'refused' when `allow(head)` says no (not enough stock).
 */
async function append(
  db: Db,
  sku: string,
  m: Append,
  allow: (head: StockMovement | null) => boolean,
  now: Date,
): Promise<'appended' | 'exists' | 'refused'> {
  const { movements } = inventoryCollections(db);
  for (let attempt = 0; ; attempt++) {
    if (await movements.findOne({ ref: m.ref }, { projection: { _id: 1 } })) return 'exists';
    const head = await stockHead(db, sku);
    if (!allow(head)) return 'refused';
    const seq = (head?.seq ?? 0) + 1;
    const reservedDelta = m.kind === 'seed' ? 0 : -m.delta;
    try {
      await movements.insertOne({
        _id: `${sku}:${seq}`,
        sku,
        seq,
        ...m,
        available: (head?.available ?? 0) + m.delta,
        reserved: (head?.reserved ?? 0) + reservedDelta,
        at: now,
      });
      return 'appended';
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Another writer took this seq (or this ref): re-read and try again, with a little jitter.
      if (attempt > 1000) throw new Error(`stock ledger of ${sku} too contended`);
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
}

/** Adds products with their opening stock; SKUs that exist keep their price and stock (safe to repeat). */
export async function seedProducts(
  db: Db,
  catalog: readonly CatalogProduct[],
  now = new Date(),
): Promise<void> {
  const { products } = inventoryCollections(db);
  await ensureInventoryIndexes(db);
  for (const p of catalog) {
    await products.updateOne(
      { _id: p.sku },
      { $setOnInsert: { name: p.name, price: p.price, currency: p.currency } },
      { upsert: true },
    );
    await append(
      db,
      p.sku,
      { ref: `seed:${p.sku}`, orderId: null, kind: 'seed', delta: p.stock },
      () => true,
      now,
    );
  }
}

/** The demo catalog, seeded on every start of the saga worker. */
export const seedCatalog = (db: Db): Promise<void> => seedProducts(db, DEMO_CATALOG);

export function createInventoryActivities({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const { products, movements } = inventoryCollections(db);
  // Appends to one SKU's ledger take turns within this worker; other workers still race on the index.
  const ledger = new KeyedLock();

  const hold = (orderId: string, item: OrderItem) =>
    ledger.run(item.sku, () =>
      append(
        db,
        item.sku,
        { ref: `reserve:${orderId}:${item.sku}`, orderId, kind: 'reserve', delta: -item.quantity },
        (head) => (head?.available ?? 0) >= item.quantity,
        now(),
      ),
    );

  /** Releases a hold only if there is one, once. */
  async function release(orderId: string, item: OrderItem): Promise<void> {
    const held = await movements.findOne({ ref: `reserve:${orderId}:${item.sku}` });
    if (!held) return;
    await ledger.run(item.sku, () =>
      append(
        db,
        item.sku,
        { ref: `release:${orderId}:${item.sku}`, orderId, kind: 'release', delta: -held.delta },
        () => true,
        now(),
      ),
    );
  }

  return {
    /**
     * Reserves every item or none: a shortfall on one item releases the ones already held, then
     * fails with a non-retryable INSUFFICIENT_STOCK. Unknown SKUs are refused before anything is held.
     */
    async reserveStock(input: {
      orderId: string;
      items: OrderItem[];
    }): Promise<{ lines: OrderLine[]; total: number; currency: string }> {
      const { orderId } = input;
      const items = mergeItems(input.items);
      const skus = items.map((i) => i.sku);
      const found = await products.find({ _id: { $in: skus } }).toArray();
      const bySku = new Map(found.map((p) => [p._id, p]));
      const unknown = skus.filter((s) => !bySku.has(s));
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(`unknown SKU: ${unknown.join(', ')}`, ErrorCode.UnknownSku, {
          skus: unknown,
        });
      }
      const currencies = new Set(found.map((p) => p.currency));
      if (currencies.size > 1) {
        throw ApplicationFailure.nonRetryable(
          'items are priced in more than one currency',
          ErrorCode.MixedCurrency,
        );
      }
      const held: OrderItem[] = [];
      for (const item of items) {
        if ((await hold(orderId, item)) === 'refused') {
          for (const h of held.reverse()) await release(orderId, h);
          throw ApplicationFailure.nonRetryable(
            `insufficient stock for ${item.sku}: ${item.quantity} requested`,
            ErrorCode.InsufficientStock,
            { sku: item.sku, requested: item.quantity },
          );
        }
        held.push(item);
      }
      const lines = items.map((i) => {
        const p = bySku.get(i.sku) as ProductDoc;
        return { ...i, name: p.name, unitPrice: p.price, lineTotal: lineTotal(p.price, i.quantity) };
      });
      return {
        lines,
        total: sum(lines.map((l) => l.lineTotal)),
        currency: found[0]?.currency ?? 'EUR',
      };
    },

    /** Compensation: releases whatever this order holds; a second call finds nothing to release. */
    async releaseStock(input: { orderId: string; items: OrderItem[] }): Promise<void> {
      for (const item of mergeItems(input.items)) await release(input.orderId, item);
    },
  };
}

/** The same SKU twice in one order is one reservation of the summed quantity. */
export function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const merged = new Map<string, number>();
  for (const i of items) merged.set(i.sku, (merged.get(i.sku) ?? 0) + i.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}
