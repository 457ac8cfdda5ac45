import type { Collection, Db } from 'mongodb';
import type { OrderState, OrderStatus } from '../../domain/order';

/** What the customer view keeps of each of the customer's orders. */
export interface CustomerOrderEntry {
  status: OrderStatus;
  total: number;
  currency: string | null;
  placedAt: string;
  /** the email the order was placed with: the view shows the latest order's */
  email: string;
  version: number;
}

/** `customers`: counts and totals over a customer's orders, with the entries they are computed from. */
export interface CustomerView {
  _id: string;
  email: string;
  orderCount: number;
  ordersByStatus: Partial<Record<OrderStatus, number>>;
  /** sum of completed (paid) orders, per currency, in minor units */
  lifetimeTotal: Record<string, number>;
  lastOrder: { orderId: string; placedAt: string; status: OrderStatus; total: number } | null;
  orders: Record<string, CustomerOrderEntry>;
  /** sum of the entries' versions: grows with every applied event, so writes can be ordered */
  version: number;
  projectedAt: Date;
}

export const customersCollection = (db: Db): Collection<CustomerView> =>
  db.collection<CustomerView>('customers');

/**
 * Pure: the customer view after one of its orders changed. An entry only moves forward (its version
 * must grow), so a late retry of an older event changes nothing.
 */
export function evolveCustomer(
  current: CustomerView | null,
  order: OrderState,
  projectedAt: Date,
): CustomerView {
  const orders = { ...(current?.orders ?? {}) };
  const known = orders[order.orderId];
  if (!known || known.version < order.version) {
    orders[order.orderId] = {
      status: order.status,
      total: order.total,
      currency: order.currency,
      placedAt: order.placedAt,
      email: order.customer.email,
      version: order.version,
    };
  }
  const entries = Object.entries(orders);
  const ordersByStatus: CustomerView['ordersByStatus'] = {};
  const lifetimeTotal: Record<string, number> = {};
  let last: CustomerView['lastOrder'] = null;
  let email = order.customer.email;
  for (const [orderId, e] of entries) {
    ordersByStatus[e.status] = (ordersByStatus[e.status] ?? 0) + 1;
    if (e.status === 'COMPLETED' && e.currency) {
      lifetimeTotal[e.currency] = (lifetimeTotal[e.currency] ?? 0) + e.total;
    }
    if (!last || e.placedAt > last.placedAt || (e.placedAt === last.placedAt && orderId > last.orderId)) {
      last = { orderId, placedAt: e.placedAt, status: e.status, total: e.total };
      // Whatever order the orders are folded in, the latest one's email is the customer's.
      email = e.email ?? email;
    }
  }
  return {
    _id: order.customer.id,
    email,
    orderCount: entries.length,
    ordersByStatus,
    lifetimeTotal,
    lastOrder: last,
    orders,
    version: entries.reduce((sum, [, e]) => sum + e.version, 0),
    projectedAt,
  };
}
