import { ApplicationFailure } from '@temporalio/common';
import type { Db, Collection } from 'mongodb';
import type { OrderEvent } from '../../domain/events';
import type { OrderState } from '../../domain/order';
import { evolve } from '../../domain/order';
import { isDuplicateKey } from '../../infra/mongo-errors';
import { isFerretDb } from '../upsert';

/** The `orders` read model: the order fold plus when it was projected. */
export type OrderDoc = Omit<OrderState, 'orderId'> & { _id: string; projectedAt: Date };

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
 * Applies one order's events exactly once in effect, each only when `seq == version + 1`: those at or
 * below the stored version are duplicates (skipped); a gap before the first new one throws a retryable
 * failure so that Temporal retries after the earlier events land. The batch is folded in memory and
 * written once, conditional on the version read, so two racing writers cannot both apply.
 */
export async function applyToOrders(
  db: Db,
  /** Events of one order (the caller checks). */
  events: OrderEvent[],
  now: Date,
): Promise<{ applied: OrderEvent[]; doc: OrderDoc | null }> {
  const orders = ordersCollection(db);
  const orderId = events[0]?.orderId;
  if (orderId === undefined) return { applied: [], doc: null };
  const created = await insertFirstBatch(db, events, now);
  if (created) return created;
  const current = await orders.findOne({ _id: orderId });
  const version = current?.version ?? 0;
  const fresh = events.filter((e) => e.seq > version).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return { applied: [], doc: current };
  fresh.forEach((e, i) => {
    if (e.seq !== version + 1 + i) {
      throw ApplicationFailure.retryable(
        `gap for order ${orderId}: read model at ${version + i}, event ${e.seq}`,
        'PROJECTION_GAP',
      );
    }
  });
  const { orderId: _id, ...state } = fresh.reduce<OrderState | null>(
    (s, e) => evolve(s, e),
    current ? toState(current) : null,
  ) as OrderState;
  const doc: OrderDoc = { _id, ...state, projectedAt: now };
  if (current === null) {
    try {
      await orders.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) return applyToOrders(db, events, now);
      throw err;
    }
  } else {
    // MongoDB: the version in the filter makes the write conditional and atomic. FerretDB scans for
    // any filter but `{_id}`, so there the projector's per-order lock keeps writers in turn.
    const filter = (await isFerretDb(db)) ? { _id } : { _id, version };
    const res = await orders.replaceOne(filter, doc);
    if (res.matchedCount === 0) return applyToOrders(db, events, now);
  }
  return { applied: fresh, doc };
}

/**
 * A batch that begins the order (seqs 1, 2, … without a gap) creates its document: it is inserted
 * straight away, without reading first. Null when the batch is not such, or the document is there
 * already (a retry): the caller reads and decides as usual.
 */
async function insertFirstBatch(
  db: Db,
  events: OrderEvent[],
  now: Date,
): Promise<{ applied: OrderEvent[]; doc: OrderDoc } | null> {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  if (!sorted.every((e, i) => e.seq === i + 1)) return null;
  const state = sorted.reduce<OrderState | null>((s, e) => evolve(s, e), null);
  if (state === null) return null;
  const { orderId: _id, ...rest } = state;
  const doc: OrderDoc = { _id, ...rest, projectedAt: now };
  try {
    await ordersCollection(db).insertOne(doc);
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
  return { applied: sorted, doc };
}

export async function findOrder(db: Db, orderId: string): Promise<OrderDoc | null> {
  return ordersCollection(db).findOne({ _id: orderId });
}
