import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import type { OrderItem, OrderLine } from '../domain/events';
import { ErrorCode } from '../domain/errors';
import { isPayable, lineTotal, MAX_PAYMENT, sum } from '../domain/money';
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
      const lines = items.map((i) => {
        const p = bySku.get(i.sku) as ProductDoc;
        return { ...i, name: p.name, unitPrice: p.price, lineTotal: lineTotal(p.price, i.quantity) };
      });
      const total = sum(lines.map((l) => l.lineTotal));
      if (!isPayable(total)) {
        throw ApplicationFailure.nonRetryable(
          `the order's total ${total} cannot be paid: a payment is 1 to ${MAX_PAYMENT} minor units`,
          ErrorCode.TotalNotPayable,
          { total },
        );
      }
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
      return {
        lines,
        total,
        currency: found[0]?.currency ?? 'EUR',
        stock: snapshots(heads, bySku),
      };
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

/** The same SKU twice in one order is one reservation of the summed quantity. */
export function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const merged = new Map<string, number>();
  for (const i of items) merged.set(i.sku, (merged.get(i.sku) ?? 0) + i.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}
