import type { Collection, Db } from 'mongodb';
import type { ProductFacts, StockSnapshot } from '../domain/stock';
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
  kind: 'seed' | 'reserve' | 'release' | 'adjust' | 'update';
  delta: number;
  /** why, for adjustments and updates */
  reason?: string;
  /** the product's facts as of this movement (absent on movements written before they were kept) */
  product?: ProductFacts;
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

type Append = Pick<StockMovement, 'ref' | 'orderId' | 'kind' | 'reason'> & {
  /** change of `available`; reserved moves the opposite way for reservations and releases */
  delta: number;
  /** new facts (seed), or a change of the head's (update), merged at the head the movement follows */
  product?: ProductFacts | ((head: ProductFacts | undefined) => ProductFacts);
};

const MOVES_RESERVED: StockMovement['kind'][] = ['reserve', 'release'];

/** A movement's ref, kept under its own `_id` so that a retry is found by a key lookup. */
interface RefMarker {
  _id: string;
  movementId: string;
}

export type AppendResult = { outcome: 'appended' | 'exists' | 'refused'; head: StockMovement | null };

/**
 * The ledger as one process uses it. Appends to one SKU take turns within the process (other
 * processes still race, and the unique indexes decide), and every lookup on the hot path is by `_id`:
 * the head is found from the last one this process saw by probing `sku:seq+1` forward, and a retry
 * is refused by the unique index on `ref` and then found by its ref marker. (FerretDB v1 uses an index only for `_id` lookups; a query on `sku`
 * or `ref` reads the whole ledger, which under load made reservations outlive their timeout.)
 */
export function createLedger(db: Db) {
  const { movements } = inventoryCollections(db);
  const refs = db.collection<RefMarker>('stock_refs');
  const heads = new Map<string, StockMovement | null>();
  const turns = new KeyedLock();

  async function head(sku: string): Promise<StockMovement | null> {
    let current = heads.has(sku) ? (heads.get(sku) ?? null) : await stockHead(db, sku);
    for (;;) {
      const next = await movements.findOne({ _id: `${sku}:${(current?.seq ?? 0) + 1}` });
      if (!next) break;
      current = next;
    }
    heads.set(sku, current);
    return current;
  }

  /** The movement a ref names: its marker first, the whole ledger only if the marker is missing. */
  async function byRef(ref: string, scan: boolean): Promise<StockMovement | null> {
    const marker = await refs.findOne({ _id: ref });
    if (marker) return movements.findOne({ _id: marker.movementId });
    return scan ? movements.findOne({ ref }) : null;
  }

  async function mark(movement: StockMovement): Promise<void> {
    try {
      await refs.insertOne({ _id: movement.ref, movementId: movement._id });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async function appendNow(
    sku: string,
    m: Append,
    allow: (head: StockMovement | null) => boolean,
    now: Date,
  ): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      // The first attempt goes straight to the head: a retried movement, if written, makes the insert
      // fail on the unique `ref` (or the refusal look for it), and is found by its marker then.
      if (attempt > 0 && (await byRef(m.ref, false))) return { outcome: 'exists', head: await head(sku) };
      const h = await head(sku);
      if (!allow(h)) {
        // A movement written just before a crash has no marker yet: look for it before refusing.
        const found = await byRef(m.ref, true);
        if (found) {
          await mark(found);
          return { outcome: 'exists', head: h };
        }
        return { outcome: 'refused', head: h };
      }
      const seq = (h?.seq ?? 0) + 1;
      // A change is merged with the facts of the head it follows, in the same write: two concurrent
      // updates of one SKU each apply to the other's result (the loser of the seq retries on the new head).
      const product = typeof m.product === 'function' ? m.product(h?.product) : (m.product ?? h?.product);
      const movement: StockMovement = {
        _id: `${sku}:${seq}`,
        sku,
        seq,
        ref: m.ref,
        orderId: m.orderId,
        kind: m.kind,
        delta: m.delta,
        ...(m.reason === undefined ? {} : { reason: m.reason }),
        ...(product === undefined ? {} : { product }),
        available: (h?.available ?? 0) + m.delta,
        reserved: (h?.reserved ?? 0) + (MOVES_RESERVED.includes(m.kind) ? -m.delta : 0),
        at: now,
      };
      try {
        await movements.insertOne(movement);
        heads.set(sku, movement);
        await mark(movement);
        return { outcome: 'appended', head: movement };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const taken = await movements.findOne({ _id: movement._id });
        if (!taken || taken.ref === m.ref) {
          // Not the seq but the ref was taken: this movement exists already.
          const found = await byRef(m.ref, true);
          if (found) await mark(found);
          return { outcome: 'exists', head: await head(sku) };
        }
        // Another process took this seq: probe forward and try again, with a little jitter.
        if (attempt > 1000) throw new Error(`stock ledger of ${sku} too contended`);
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
      }
    }
  }

  return {
    head,
    /** The movement a ref names, if it was written. */
    byRef: (ref: string) => byRef(ref, true),
    /**
     * Appends a movement at the head of the SKU's ledger. 'exists' when a movement with the same ref
     * is there (a retry), 'refused' when `allow(head)` says no (not enough stock); with the head after.
     */
    append: (sku: string, m: Append, allow: (head: StockMovement | null) => boolean, now: Date) =>
      turns.run(sku, () => appendNow(sku, m, allow, now)),
  };
}

export type Ledger = ReturnType<typeof createLedger>;

/** The read-model view of a ledger head; `fallback` supplies facts older movements did not carry. */
export function snapshotOf(head: StockMovement, fallback?: ProductFacts): StockSnapshot | null {
  const facts = head.product ?? fallback;
  if (!facts) return null;
  return {
    sku: head.sku,
    seq: head.seq,
    available: head.available,
    reserved: head.reserved,
    name: facts.name,
    price: facts.price,
    currency: facts.currency,
  };
}
