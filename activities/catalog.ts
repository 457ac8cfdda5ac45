import type { Db } from 'mongodb';
import { DEMO_CATALOG, type CatalogProduct } from '../domain/catalog';
import type { ProductFacts, StockSnapshot } from '../domain/stock';
import { isDuplicateKey } from '../infra/mongo-errors';
import {
  createLedger,
  ensureInventoryIndexes,
  inventoryCollections,
  snapshotOf,
  stockHead,
  type StockMovement,
} from './stock-ledger';

/** Outcomes of catalog commands the API turns into 404 / 409 / 422. */
export class CatalogRefusal extends Error {
  constructor(
    readonly reason: 'unknown-sku' | 'duplicate-sku' | 'below-reserved' | 'key-reused',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Adds products with their opening stock; SKUs that exist keep their price and stock (safe to repeat). */
export async function seedProducts(
  db: Db,
  catalog: readonly CatalogProduct[],
  now = new Date(),
): Promise<void> {
  const { products } = inventoryCollections(db);
  const ledger = createLedger(db);
  await ensureInventoryIndexes(db);
  for (const p of catalog) {
    const product: ProductFacts = { name: p.name, price: p.price, currency: p.currency };
    try {
      await products.updateOne({ _id: p.sku }, { $setOnInsert: product }, { upsert: true });
    } catch (err) {
      // Another process seeding at the same moment inserted it first.
      if (!isDuplicateKey(err)) throw err;
    }
    await ledger.append(
      p.sku,
      { ref: `seed:${p.sku}`, orderId: null, kind: 'seed', delta: p.stock, product },
      () => true,
      now,
    );
  }
}

/** The demo catalog, ensured on every start of either worker (whichever comes first seeds it). */
export const seedCatalog = (db: Db): Promise<void> => seedProducts(db, DEMO_CATALOG);

/**
 * The write side of the catalog. Every change is a movement in the SKU's stock ledger (facts and
 * stock together), so the products read model is the newest snapshot of that ledger.
 */
export function createCatalog({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const { products } = inventoryCollections(db);
  const ledger = createLedger(db);

  /** The snapshot after a movement that was appended or already there: a head exists by then. */
  function settled(head: StockMovement | null, product: ProductFacts): StockSnapshot {
    const snap = head && snapshotOf(head, product);
    if (!snap) throw new Error('stock ledger has no head after a movement');
    return snap;
  }

  async function facts(sku: string): Promise<ProductFacts> {
    const doc = await products.findOne({ _id: sku });
    if (!doc) throw new CatalogRefusal('unknown-sku', `no product with SKU ${sku}`);
    return { name: doc.name, price: doc.price, currency: doc.currency };
  }

  return {
    /** A new product with its opening stock; an existing SKU is refused (the `_id` decides, atomically). */
    async createProduct(input: CatalogProduct): Promise<StockSnapshot> {
      const product: ProductFacts = { name: input.name, price: input.price, currency: input.currency };
      try {
        await products.insertOne({ _id: input.sku, ...product });
      } catch (err) {
        if (isDuplicateKey(err)) throw new CatalogRefusal('duplicate-sku', `SKU ${input.sku} exists`, 'sku');
        throw err;
      }
      const { head } = await ledger.append(
        input.sku,
        { ref: `seed:${input.sku}`, orderId: null, kind: 'seed', delta: input.stock, product },
        () => true,
        now(),
      );
      return settled(head, product);
    },

    /**
     * New name and/or price, as one movement of the SKU's ledger (where orders are priced from):
     * merged with the facts at its head, so concurrent changes both land. Orders placed before keep the
     * price they were invoiced at. The same request id again is the same change; with another change,
     * refused (`key-reused`), as an order's Idempotency-Key is.
     */
    async updateProduct(
      sku: string,
      change: Partial<Pick<ProductFacts, 'name' | 'price'>>,
      requestId: string,
    ): Promise<StockSnapshot> {
      const known = await facts(sku);
      const ref = `update:${sku}:${requestId}`;
      const { outcome, head } = await ledger.append(
        sku,
        { ref, orderId: null, kind: 'update', delta: 0, product: (at) => ({ ...(at ?? known), ...change }) },
        () => true,
        now(),
      );
      if (outcome === 'exists') {
        const earlier = await ledger.byRef(ref);
        const same = (Object.keys(change) as (keyof typeof change)[]).every(
          (k) => earlier?.product?.[k] === change[k],
        );
        if (!same) {
          throw new CatalogRefusal(
            'key-reused',
            `the Idempotency-Key ${requestId} was used for another change of ${sku}`,
          );
        }
      }
      return settled(head, head?.product ?? known);
    },

    /** Receives or writes off stock; never below what open reservations hold. */
    async adjustStock(sku: string, delta: number, reason: string, requestId: string): Promise<StockSnapshot> {
      const product = await facts(sku);
      const { outcome, head } = await ledger.append(
        sku,
        { ref: `adjust:${sku}:${requestId}`, orderId: null, kind: 'adjust', delta, reason },
        (h) => (h?.available ?? 0) + delta >= 0,
        now(),
      );
      if (outcome === 'refused') {
        const available = head?.available ?? 0;
        throw new CatalogRefusal(
          'below-reserved',
          `would leave ${available + delta} free with ${head?.reserved ?? 0} reserved; at most ${available} can be removed`,
          'delta',
        );
      }
      return settled(head, product);
    },
  };
}

/** Projects the current head of every SKU's ledger: a projector catching up on start. */
export async function currentSnapshots(db: Db): Promise<StockSnapshot[]> {
  const { products } = inventoryCollections(db);
  const out: StockSnapshot[] = [];
  for (const p of await products.find({}).toArray()) {
    const head = await stockHead(db, p._id);
    const snap = head && snapshotOf(head, p);
    if (snap) out.push(snap);
  }
  return out;
}
