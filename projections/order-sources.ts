import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import type { NotificationFailure } from './dead-letters/view';
import type { EventLog } from './event-log';
import { orderHistories } from './history';
import { ordersCollection, type OrderDoc } from './orders/mongo';

/**
 * Where an order's events were read: its run's history (`temporal`), the event log once Temporal no
 * longer holds the run (`log`: retention deleted it, or an operator), or, for an order in neither, the
 * timeline of its own read-model document (`timeline`: written before the log was kept).
 */
export type OrderSource = 'temporal' | 'log' | 'timeline';

export interface SourcedOrder {
  orderId: string;
  events: OrderEvent[];
  /** the notifications the run gave up on (only a history records them) */
  failures: NotificationFailure[];
  source: OrderSource;
}

/**
 * The events an order's read-model document holds in its timeline: the last copy of the log of an
 * order whose events neither Temporal nor the event log holds.
 */
export function eventsOfTimeline(doc: OrderDoc): OrderEvent[] {
  return doc.timeline.map(
    (t) => ({ type: t.type, version: 1, orderId: doc._id, seq: t.seq, at: t.at, data: t.data }) as OrderEvent,
  );
}

/**
 * Every order there is, once each: those Temporal holds (histories fetched in parallel), then those only
 * the event log holds, then those only the `orders` read model holds. What rebuild folds and verify checks.
 */
export async function* everyOrder(deps: {
  db: Db;
  temporal: Client;
  log: EventLog;
}): AsyncGenerator<SourcedOrder> {
  const seen = new Set<string>();
  for await (const { events, failures } of orderHistories(deps.temporal)) {
    const orderId = events[0]?.orderId;
    if (orderId === undefined) continue;
    seen.add(orderId);
    yield { orderId, events, failures, source: 'temporal' };
  }
  for await (const events of deps.log.orders()) {
    const orderId = events[0]?.orderId ?? '';
    if (seen.has(orderId)) continue;
    seen.add(orderId);
    yield { orderId, events, failures: [], source: 'log' };
  }
  const orders = ordersCollection(deps.db);
  for await (const { _id } of orders.find({}, { projection: { _id: 1 } })) {
    if (seen.has(_id)) continue;
    const doc = await orders.findOne({ _id });
    if (doc) yield { orderId: _id, events: eventsOfTimeline(doc), failures: [], source: 'timeline' };
  }
}
