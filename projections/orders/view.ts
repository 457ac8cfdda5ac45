import type { Collection, Db } from 'mongodb';
import { ORDER_EVENT_TYPES, type OrderEvent } from '../../domain/events';
import { evolve as evolveOrder, type OrderState } from '../../domain/order';

/** The `orders` read model: the order fold plus when it was projected. */
export type OrderDoc = Omit<OrderState, 'orderId'> & { _id: string; projectedAt: Date };

export const ordersCollection = (db: Db): Collection<OrderDoc> => db.collection<OrderDoc>('orders');

export async function ensureOrderIndexes(db: Db): Promise<void> {
  const orders = ordersCollection(db);
  // GET /orders and a customer's orders: newest first with the id breaking ties (listOrders), unfiltered,
  // by customer, by status
  await orders.createIndex({ placedAt: -1, _id: -1 });
  await orders.createIndex({ 'customer.id': 1, placedAt: -1, _id: -1 });
  await orders.createIndex({ status: 1, placedAt: -1, _id: -1 });
}

export const toState = ({ _id, projectedAt: _p, ...rest }: OrderDoc): OrderState => ({
  orderId: _id,
  ...rest,
});

/** Every event moves the order on. */
export const handles = ORDER_EVENT_TYPES;

/** The order after one more of its events: the domain's own fold, the saga's too, and when. */
export function evolve(doc: OrderDoc | null, event: OrderEvent, projectedAt: Date): OrderDoc {
  const { orderId: _id, ...state } = evolveOrder(doc ? toState(doc) : null, event);
  return { _id, ...state, projectedAt };
}
