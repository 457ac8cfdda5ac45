import { ApplicationFailure } from '@temporalio/common';
import type { Db, Collection } from 'mongodb';
import type { OrderEvent } from '../../domain/events';
import type { OrderState } from '../../domain/order';
import { evolve } from '../../domain/order';
import { isDuplicateKey } from '../../infra/mongo-errors';
import { isFerretDb } from '../upsert';

/** The `orders` read model: the order fold plus when it was projected. */
export type OrderDoc = Omit<OrderState, 'orderId'> & { _id: string; projectedAt: Date };

export type ApplyOutcome = 'applied' | 'duplicate';

export const ordersCollection = (db: Db): Collection<OrderDoc> => db.collection<OrderDoc>('orders');

export async function ensureOrderIndexes(db: Db): Promise<void> {
  const orders = ordersCollection(db);
  await orders.createIndex({ 'customer.id': 1, placedAt: -1 });
  await orders.createIndex({ status: 1, placedAt: -1 });
}

export const toState = ({ _id, projectedAt: _p, ...rest }: OrderDoc): OrderState => ({
  orderId: _id,
  ...rest,
});

/**
 * Applies one event exactly once in effect: only when `seq == version + 1`. A duplicate (`seq <= version`)
 * is ignored; a gap throws a retryable failure so that Temporal retries after the earlier event lands.
 * The write is conditional on the version read, so two racing writers cannot both apply.
 */
export async function applyToOrders(
  db: Db,
  event: OrderEvent,
  now: Date,
): Promise<{ outcome: ApplyOutcome; doc: OrderDoc | null }> {
  const orders = ordersCollection(db);
  const current = await orders.findOne({ _id: event.orderId });
  const version = current?.version ?? 0;
  if (event.seq <= version) return { outcome: 'duplicate', doc: current };
  if (event.seq > version + 1) {
    throw ApplicationFailure.retryable(
      `gap for order ${event.orderId}: read model at ${version}, event ${event.seq}`,
      'PROJECTION_GAP',
    );
  }
  const { orderId: _id, ...state } = evolve(current ? toState(current) : null, event);
  const doc: OrderDoc = { _id, ...state, projectedAt: now };
  if (current === null) {
    try {
      await orders.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) return applyToOrders(db, event, now);
      throw err;
    }
  } else {
    // MongoDB: the version in the filter makes the write conditional and atomic. FerretDB scans for
    // any filter but `{_id}`, so there the projector's per-order lock keeps writers in turn.
    const filter = (await isFerretDb(db)) ? { _id } : { _id, version };
    const res = await orders.replaceOne(filter, doc);
    if (res.matchedCount === 0) return applyToOrders(db, event, now);
  }
  return { outcome: 'applied', doc };
}

export async function findOrder(db: Db, orderId: string): Promise<OrderDoc | null> {
  return ordersCollection(db).findOne({ _id: orderId });
}
