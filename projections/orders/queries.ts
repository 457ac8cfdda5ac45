import type { Db, Filter } from 'mongodb';
import type { OrderStatus } from '../../domain/order';
import { ordersCollection, type OrderDoc } from './view';

export interface OrderListFilter {
  customerId?: string;
  status?: OrderStatus;
  /** placed at or after (ISO) */
  from?: string;
  /** placed before (ISO) */
  to?: string;
}

/** Where a page ends: the sort key of its last order (newest first, then by id). */
export interface Cursor {
  placedAt: string;
  orderId: string;
}

export class BadCursor extends Error {}

export const encodeCursor = (c: Cursor): string =>
  Buffer.from(JSON.stringify([c.placedAt, c.orderId]), 'utf8').toString('base64url');

export function decodeCursor(raw: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      const [placedAt, orderId] = value as [string, string];
      if (!Number.isNaN(Date.parse(placedAt))) return { placedAt, orderId };
    }
  } catch {
    // not JSON: falls through to the error below
  }
  throw new BadCursor('not a cursor this API returned');
}

/**
 * One page of orders, newest first with the id as tie-breaker, so the order is stable and a page
 * boundary never skips or repeats an order even when several share a timestamp.
 */
export async function listOrders(
  db: Db,
  filter: OrderListFilter,
  page: { limit: number; after?: Cursor },
): Promise<{ items: OrderDoc[]; next: Cursor | null }> {
  const and: Filter<OrderDoc>[] = [];
  if (filter.customerId) and.push({ 'customer.id': filter.customerId });
  if (filter.status) and.push({ status: filter.status });
  if (filter.from) and.push({ placedAt: { $gte: filter.from } });
  if (filter.to) and.push({ placedAt: { $lt: filter.to } });
  if (page.after) {
    const { placedAt, orderId } = page.after;
    and.push({ $or: [{ placedAt: { $lt: placedAt } }, { placedAt, _id: { $lt: orderId } }] });
  }
  const docs = await ordersCollection(db)
    .find(and.length > 0 ? { $and: and } : {}, { projection: { timeline: 0 } })
    .sort({ placedAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const items = docs.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items,
    next: docs.length > page.limit && last ? { placedAt: last.placedAt, orderId: last._id } : null,
  };
}
