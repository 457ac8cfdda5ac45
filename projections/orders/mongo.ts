import { ApplicationFailure } from '@temporalio/common';
import type { Db } from 'mongodb';
import type { OrderEvent } from '../../domain/events';
import { evolve, ordersCollection, type OrderDoc } from './view';
import { isDuplicateKey } from '../../infra/mongo-errors';
import { isFerretDb } from '../upsert';

/**
 * Applies one order's events exactly once in effect, each only when `seq == version + 1`: those at or
 * below the stored version are duplicates (skipped); a gap before the first new one throws a retryable
 * failure so that Temporal retries after the earlier events land. The batch is folded in memory and
 * written once, conditional on the version read, so two racing writers cannot both apply.
 */
export function applyToOrders(
  db: Db,
  /** Events of one order (the caller checks). */
  events: OrderEvent[],
  now: Date,
): Promise<{ applied: OrderEvent[]; doc: OrderDoc | null }> {
  // A batch that begins the order (seqs 1, 2, … without a gap) most likely creates its document: it is
  // inserted without reading first. A retry's insert fails on `_id`, and then the document is read.
  const begins = [...events].sort((a, b) => a.seq - b.seq).every((e, i) => e.seq === i + 1);
  return apply(db, events, now, !begins);
}

async function apply(
  db: Db,
  events: OrderEvent[],
  now: Date,
  /** false: the document is taken as absent, not read */
  read: boolean,
): Promise<{ applied: OrderEvent[]; doc: OrderDoc | null }> {
  const orders = ordersCollection(db);
  const orderId = events[0]?.orderId;
  if (orderId === undefined) return { applied: [], doc: null };
  const current = read ? await orders.findOne({ _id: orderId }) : null;
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
  const doc = fresh.reduce<OrderDoc | null>((d, e) => evolve(d, e, now), current) as OrderDoc;
  if (current === null) {
    try {
      await orders.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) return apply(db, events, now, true);
      throw err;
    }
  } else {
    // MongoDB: the version in the filter makes the write conditional and atomic. FerretDB scans for
    // any filter but `{_id}`, so there the projector's per-order lock keeps writers in turn.
    const filter = (await isFerretDb(db)) ? { _id: doc._id } : { _id: doc._id, version };
    const res = await orders.replaceOne(filter, doc);
    if (res.matchedCount === 0) return apply(db, events, now, true);
  }
  return { applied: fresh, doc };
}

export async function findOrder(db: Db, orderId: string): Promise<OrderDoc | null> {
  return ordersCollection(db).findOne({ _id: orderId });
}
