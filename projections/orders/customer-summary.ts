import type { Db } from 'mongodb';
import type { OrderStatus } from '../../domain/order';
import { ordersCollection } from './view';

/** A customer's figures over all its orders. */
export interface CustomerSummary {
  orderCount: number;
  ordersByStatus: Partial<Record<OrderStatus, number>>;
  /** sum of completed (paid) orders, per currency, in minor units */
  lifetimeTotal: Record<string, number>;
}

/** The aggregations' rows: orders by status, and completed orders' totals by currency. */
export interface SummaryRows {
  byStatus: readonly { _id: OrderStatus; n: number }[];
  completedByCurrency: readonly { _id: string | null; total: number }[];
}

/** Pure: the summary from the aggregations' rows. */
export function summaryOfRows({ byStatus, completedByCurrency }: SummaryRows): CustomerSummary {
  const summary: CustomerSummary = { orderCount: 0, ordersByStatus: {}, lifetimeTotal: {} };
  for (const { _id, n } of byStatus) {
    summary.orderCount += n;
    summary.ordersByStatus[_id] = n;
  }
  for (const { _id, total } of completedByCurrency) if (_id) summary.lifetimeTotal[_id] = total;
  return summary;
}

/**
 * A customer's figures, summed at read time over the `orders` read model (index `customer.id`): one
 * document per order, each written by its own order's projection, so two projectors never overwrite
 * each other's counts, and nothing grows with the customer's history. (A `customers` document kept by
 * read-modify-write lost updates under two projectors and grew by every order ever placed.) Two
 * aggregations of one accumulator each: FerretDB v1 answers 0 for every accumulator of a `$group` but
 * the first (measured), and MongoDB takes the same two.
 */
export async function customerSummary(db: Db, customerId: string): Promise<CustomerSummary> {
  const orders = ordersCollection(db);
  const [byStatus, completedByCurrency] = await Promise.all([
    orders
      .aggregate<{ _id: OrderStatus; n: number }>([
        { $match: { 'customer.id': customerId } },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ])
      .toArray(),
    orders
      .aggregate<{ _id: string | null; total: number }>([
        { $match: { 'customer.id': customerId, status: 'COMPLETED' } },
        { $group: { _id: '$currency', total: { $sum: '$total' } } },
      ])
      .toArray(),
  ]);
  return summaryOfRows({ byStatus, completedByCurrency });
}
