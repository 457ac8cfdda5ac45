import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import type { OrderItem, OrderLine } from '../domain/events';
import { ErrorCode } from '../domain/errors';
import { isDuplicateKey } from '../infra/mongo-errors';
import { mergeItems, priceOrder } from '../domain/reservation';
import type { StockSnapshot } from '../domain/stock';
import {
  createLedger,
  inventoryCollections,
  snapshotOf,
  type ProductDoc,
  type AppendResult,
  type StockMovement,
} from './stock-ledger';

export interface Reservation {
  lines: OrderLine[];
  total: number;
  currency: string;
  /** each SKU's ledger after the reservation, for the products read model */
  stock: StockSnapshot[];
}

export function createInventoryActivities({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const { products } = inventoryCollections(db);
  // Appends to one SKU's ledger take turns within this worker; other workers still race on the index.
  const ledger = createLedger(db);

  const refs = (orderId: string, sku: string) => ({
    hold: `reserve:${orderId}:${sku}`,
    release: `release:${orderId}:${sku}`,
  });

  /**
   * A hold that came too late: the order's release was written before it (a reservation attempt that
   * timed out but ran on after its retry was refused, or after the order was cancelled). It goes back
   * once, whichever of the hold and the release finds the other (both look, after writing).
   */
  async function giveBack(orderId: string, sku: string, held: StockMovement): Promise<StockMovement | null> {
    const { head } = await ledger.append(
      sku,
      // the release's own ref: a later release of the same hold finds it done
      { ref: refs(orderId, sku).release, orderId, kind: 'release', delta: -held.delta },
      () => true,
      now(),
    );
    return head;
  }

  /** The releases written when there was nothing to release: a hold written after them goes back. */
  const releasedEmpty = db.collection<{ _id: string; at: Date }>('stock_releases');
  const wasReleased = async (orderId: string, sku: string): Promise<'nothing' | 'held' | null> => {
    const ref = refs(orderId, sku);
    if (await releasedEmpty.findOne({ _id: ref.release })) return 'nothing';
    return (await ledger.byRef(ref.release)) ? 'held' : null;
  };

  /**
   * Holds an item for the order. `released`: the order's hold was released already (by a refusal or a
   * cancellation, maybe of another attempt), so it does not count, and a hold this attempt wrote after
   * a release of nothing is given back.
   */
  async function hold(
    orderId: string,
    item: OrderItem,
  ): Promise<{ outcome: AppendResult['outcome'] | 'released'; head: StockMovement | null }> {
    const ref = refs(orderId, item.sku);
    const result = await ledger.append(
      item.sku,
      { ref: ref.hold, orderId, kind: 'reserve', delta: -item.quantity },
      (head) => (head?.available ?? 0) >= item.quantity,
      now(),
    );
    if (result.outcome === 'refused') return result;
    const released = await wasReleased(orderId, item.sku);
    if (released === null) return result;
    const held = released === 'nothing' ? await ledger.byRef(ref.hold) : null;
    return { outcome: 'released', head: held ? await giveBack(orderId, item.sku, held) : result.head };
  }

  /**
   * Releases the order's hold of an item, once. Without one, it records that it released nothing, so
   * that a hold written later by an attempt still running finds it and goes back; and looks once more
   * after recording, for a hold that landed in between. (Write, then look: of a hold and a release
   * racing, at least one sees the other, and the release's ref makes the give-back happen once.)
   */
  async function release(orderId: string, item: OrderItem): Promise<StockMovement | null> {
    const ref = refs(orderId, item.sku);
    const held = await ledger.byRef(ref.hold);
    if (held) {
      const { head } = await ledger.append(
        item.sku,
        { ref: ref.release, orderId, kind: 'release', delta: -held.delta },
        () => true,
        now(),
      );
      return head;
    }
    try {
      await releasedEmpty.insertOne({ _id: ref.release, at: now() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const late = await ledger.byRef(ref.hold);
    return late ? giveBack(orderId, item.sku, late) : null;
  }

  const snapshots = (heads: (StockMovement | null)[], bySku: Map<string, ProductDoc>): StockSnapshot[] =>
    heads.flatMap((h) => {
      const snap = h && snapshotOf(h, bySku.get(h.sku));
      return snap ? [snap] : [];
    });

  return {
    /**
     * Reserves every item or none: a shortfall on one item releases the ones already held, then
     * fails with a non-retryable INSUFFICIENT_STOCK. Unknown SKUs, and a total no payment can settle
     * (nothing to pay, or more than a payment may carry), are refused before anything is held.
     */
    async reserveStock(input: { orderId: string; items: OrderItem[] }): Promise<Reservation> {
      const { orderId } = input;
      const items = mergeItems(input.items);
      const found = await products.find({ _id: { $in: items.map((i) => i.sku) } }).toArray();
      // Priced from each SKU's ledger head, where every change of a product lands (the catalog document
      // has the facts it was created with, which an older ledger's movements may lack).
      const facts = await Promise.all(found.map((p) => ledger.head(p._id)));
      const bySku = new Map(found.map((p, i) => [p._id, { ...p, ...facts[i]?.product }]));
      const pricing = priceOrder(items, bySku);
      if ('refused' in pricing) {
        const { message, code, details } = pricing.refused;
        throw ApplicationFailure.nonRetryable(message, code, details);
      }
      const { lines, total, currency } = pricing;
      const heads: (StockMovement | null)[] = [];
      for (const item of items) {
        const { outcome, head } = await hold(orderId, item);
        if (outcome === 'refused' || outcome === 'released') {
          // Every item of the order is released, not only what this attempt held: an earlier attempt
          // still running may hold others, and finds the release when it does.
          for (const i of [...items].reverse()) await release(orderId, i);
          const why =
            outcome === 'refused'
              ? `insufficient stock for ${item.sku}: ${item.quantity} requested`
              : `the order's hold of ${item.sku} was released meanwhile (another attempt was refused); nothing stays held`;
          throw ApplicationFailure.nonRetryable(why, ErrorCode.InsufficientStock, {
            sku: item.sku,
            requested: item.quantity,
          });
        }
        heads.push(head);
      }
      return { lines, total, currency, stock: snapshots(heads, bySku) };
    },

    /** Compensation: releases whatever this order holds; a second call finds nothing to release. */
    async releaseStock(input: { orderId: string; items: OrderItem[] }): Promise<{ stock: StockSnapshot[] }> {
      const items = mergeItems(input.items);
      const heads: (StockMovement | null)[] = [];
      for (const item of items) heads.push(await release(input.orderId, item));
      const found = await products.find({ _id: { $in: items.map((i) => i.sku) } }).toArray();
      return { stock: snapshots(heads, new Map(found.map((p) => [p._id, p]))) };
    },
  };
}
