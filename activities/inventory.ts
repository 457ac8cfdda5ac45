import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import type { OrderItem, OrderLine } from '../domain/events';
import { ErrorCode } from '../domain/errors';
import { mergeItems, priceOrder } from '../domain/reservation';
import type { StockSnapshot } from '../domain/stock';
import {
  createLedger,
  inventoryCollections,
  snapshotOf,
  type ProductDoc,
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

  const hold = (orderId: string, item: OrderItem) =>
    ledger.append(
      item.sku,
      { ref: `reserve:${orderId}:${item.sku}`, orderId, kind: 'reserve', delta: -item.quantity },
      (head) => (head?.available ?? 0) >= item.quantity,
      now(),
    );

  /** Releases a hold only if there is one, once; answers the SKU's ledger head either way. */
  async function release(orderId: string, item: OrderItem): Promise<StockMovement | null> {
    const held = await ledger.byRef(`reserve:${orderId}:${item.sku}`);
    if (!held) return null;
    const { head } = await ledger.append(
      item.sku,
      { ref: `release:${orderId}:${item.sku}`, orderId, kind: 'release', delta: -held.delta },
      () => true,
      now(),
    );
    return head;
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
      const held: OrderItem[] = [];
      const heads: (StockMovement | null)[] = [];
      for (const item of items) {
        const { outcome, head } = await hold(orderId, item);
        if (outcome === 'refused') {
          for (const h of held.reverse()) await release(orderId, h);
          throw ApplicationFailure.nonRetryable(
            `insufficient stock for ${item.sku}: ${item.quantity} requested`,
            ErrorCode.InsufficientStock,
            { sku: item.sku, requested: item.quantity },
          );
        }
        held.push(item);
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
