import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import type { OrderItem, OrderLine } from '../domain/events';
import { ErrorCode } from '../domain/errors';
import { lineTotal, sum } from '../domain/money';
import { DEMO_CATALOG } from '../domain/catalog';

/**
 * Inventory document per SKU. `available` never goes below zero: every decrement is a conditional
 * update on one document, which is atomic. `holds` lists the orders holding a reservation, which makes
 * a retried reservation or release a no-op (the update's filter refuses a second one).
 */
export interface InventoryDoc {
  _id: string;
  name: string;
  price: number;
  currency: string;
  available: number;
  reserved: number;
  holds: string[];
}

export interface StockMovement {
  _id: string;
  sku: string;
  orderId: string | null;
  kind: 'seed' | 'reserve' | 'release';
  delta: number;
  at: Date;
}

export interface InventoryDeps {
  db: Db;
  now?: () => Date;
}

export function inventoryCollections(db: Db) {
  return {
    inventory: db.collection<InventoryDoc>('inventory'),
    movements: db.collection<StockMovement>('stock_movements'),
  };
}

/** Seeds the demo catalog without touching SKUs that exist already (safe on every start). */
export async function seedCatalog(db: Db, now = new Date()): Promise<number> {
  const { inventory, movements } = inventoryCollections(db);
  let inserted = 0;
  for (const p of DEMO_CATALOG) {
    const res = await inventory.updateOne(
      { _id: p.sku },
      {
        $setOnInsert: {
          name: p.name,
          price: p.price,
          currency: p.currency,
          available: p.stock,
          reserved: 0,
          holds: [],
        },
      },
      { upsert: true },
    );
    if (res.upsertedCount === 1) {
      inserted++;
      await record(movements, {
        _id: `seed:${p.sku}`,
        sku: p.sku,
        orderId: null,
        kind: 'seed',
        delta: p.stock,
        at: now,
      });
    }
  }
  return inserted;
}

async function record(movements: ReturnType<typeof inventoryCollections>['movements'], m: StockMovement) {
  // Keyed by (order, sku, kind): a retry writes the same movement once.
  await movements.updateOne({ _id: m._id }, { $setOnInsert: m }, { upsert: true });
}

export function createInventoryActivities({ db, now = () => new Date() }: InventoryDeps) {
  const { inventory, movements } = inventoryCollections(db);

  async function holdOne(orderId: string, item: OrderItem): Promise<'held' | 'short'> {
    const res = await inventory.updateOne(
      { _id: item.sku, available: { $gte: item.quantity }, holds: { $ne: orderId } },
      {
        $inc: { available: -item.quantity, reserved: item.quantity },
        $push: { holds: orderId },
      },
    );
    if (res.modifiedCount === 0) {
      const doc = await inventory.findOne({ _id: item.sku }, { projection: { holds: 1 } });
      if (!doc?.holds.includes(orderId)) return 'short';
    }
    await record(movements, {
      _id: `reserve:${orderId}:${item.sku}`,
      sku: item.sku,
      orderId,
      kind: 'reserve',
      delta: -item.quantity,
      at: now(),
    });
    return 'held';
  }

  async function releaseOne(orderId: string, item: OrderItem): Promise<void> {
    const res = await inventory.updateOne(
      { _id: item.sku, holds: orderId },
      { $inc: { available: item.quantity, reserved: -item.quantity }, $pull: { holds: orderId } },
    );
    if (
      res.modifiedCount === 1 ||
      (await movements.countDocuments({ _id: `reserve:${orderId}:${item.sku}` })) > 0
    ) {
      await record(movements, {
        _id: `release:${orderId}:${item.sku}`,
        sku: item.sku,
        orderId,
        kind: 'release',
        delta: item.quantity,
        at: now(),
      });
    }
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
      const products = await inventory.find({ _id: { $in: skus } }).toArray();
      const bySku = new Map(products.map((p) => [p._id, p]));
      const unknown = skus.filter((s) => !bySku.has(s));
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(`unknown SKU: ${unknown.join(', ')}`, ErrorCode.UnknownSku, {
          skus: unknown,
        });
      }
      const currencies = new Set(products.map((p) => p.currency));
      if (currencies.size > 1) {
        throw ApplicationFailure.nonRetryable('items are priced in more than one currency', 'MIXED_CURRENCY');
      }
      const held: OrderItem[] = [];
      for (const item of items) {
        if ((await holdOne(orderId, item)) === 'short') {
          for (const h of held.reverse()) await releaseOne(orderId, h);
          throw ApplicationFailure.nonRetryable(
            `insufficient stock for ${item.sku}: ${item.quantity} requested`,
            ErrorCode.InsufficientStock,
            { sku: item.sku, requested: item.quantity },
          );
        }
        held.push(item);
      }
      const lines = items.map((i) => {
        const p = bySku.get(i.sku) as InventoryDoc;
        return { ...i, name: p.name, unitPrice: p.price, lineTotal: lineTotal(p.price, i.quantity) };
      });
      return { lines, total: sum(lines.map((l) => l.lineTotal)), currency: products[0]?.currency ?? 'EUR' };
    },

    /** Compensation: releases whatever this order holds; a second call finds nothing to release. */
    async releaseStock(input: { orderId: string; items: OrderItem[] }): Promise<void> {
      for (const item of mergeItems(input.items)) await releaseOne(input.orderId, item);
    },
  };
}

/** The same SKU twice in one order is one reservation of the summed quantity. */
export function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const merged = new Map<string, number>();
  for (const i of items) merged.set(i.sku, (merged.get(i.sku) ?? 0) + i.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}
