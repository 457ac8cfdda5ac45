import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { ApplicationFailure } from '@temporalio/common';
import type { OrderEvent } from '../domain/events';
import { KeyedLock } from '../infra/keyed-lock';
import { applyToOrders } from './orders/mongo';
import { toState, type OrderDoc } from './orders/view';
import type { OrderStatus } from '../domain/order';
import type { Metrics } from '../infra/metrics';
import type { PayloadKeys } from '../infra/payload-codec';
import { EventLog } from './event-log';
import { writeOrderToRedis } from './orders/redis';
import { insertAllIfNew, insertIfNew, replaceIfNewer } from './upsert';
import { notificationsCollection, type NotificationView } from './notifications/view';
import { derivedViews, type DerivedDocuments } from './derived';
import { cacheProductView, productsOf, storeProductView } from './products/view';
import type { WebhookDelivery } from '../domain/webhooks';
import { deliveriesCollection, evolve as evolveDelivery } from './webhook-deliveries/view';
import {
  deadLettersCollection,
  evolve as evolveLetter,
  type DeadLetterChange,
  type DeadLetter,
  type NotificationFailure,
} from './dead-letters/view';

export interface ProjectionDeps {
  db: Db;
  redis: Redis;
  now?: () => Date;
  /** starts the webhook deliveries of an event once it is projected (none when absent) */
  dispatchWebhooks?: (events: OrderEvent[]) => Promise<number>;
  /** the projector process's metrics: lag, orders placed and finished, saga duration */
  metrics?: Metrics;
  /** the key ring the event log is sealed with (the payload keys; clear without them) */
  keys?: PayloadKeys;
}

const FINAL: Partial<Record<OrderEvent['type'], OrderStatus>> = {
  OrderCompleted: 'COMPLETED',
  OrderRejected: 'REJECTED',
  OrderCancelled: 'CANCELLED',
  OrderFailed: 'FAILED',
};

/**
 * Counts an event the moment it is applied (once in effect: a duplicate is not applied again), so the
 * figures summed over projector replicas are exact.
 */
function observe(metrics: Metrics, event: OrderEvent, doc: OrderDoc, at: Date): void {
  metrics.projectionLag.observe(
    { event_type: event.type },
    Math.max(0, at.getTime() - Date.parse(event.at)) / 1000,
  );
  if (event.type === 'OrderPlaced') metrics.ordersPlaced.inc();
  const status = FINAL[event.type];
  if (status) {
    metrics.ordersFinished.inc({ status });
    metrics.sagaDuration.observe({ status }, (Date.parse(event.at) - Date.parse(doc.placedAt)) / 1000);
  }
}

/** What a batch of an order's events tells the writer of its derived documents. */
interface Batch {
  /** the version stored of the order's documents, when the batch moved the order on */
  stored: { version: number } | undefined;
  /** the seqs of the batch's events */
  seqs: ReadonlySet<number>;
}

/**
 * One read model's documents of an order, after the order's own. Versioned by the order: each written
 * if newer (a batch that created the order's document creates them too, without reading). Versioned by
 * their own event: only the batch's, applied or duplicate (the retry of a batch may follow a crash
 * between two writes), each a new document unless this is a retry or it was redriven.
 */
async function writeDerived(
  db: Db,
  { versionedBy, docs, collection }: DerivedDocuments,
  batch: Batch,
): Promise<void> {
  const c = collection(db);
  if (versionedBy === 'event') {
    await insertAllIfNew(
      db,
      c,
      docs.filter((d) => batch.seqs.has(d.version)),
    );
    return;
  }
  for (const doc of docs) {
    if (batch.stored?.version === 0) await insertIfNew(db, c, doc);
    else await replaceIfNewer(db, c, doc, batch.stored);
  }
}

/** A dead letter as a change makes it, written unless a newer version is stored (the store's evolve). */
async function writeLetter(db: Db, change: DeadLetterChange, at: Date): Promise<void> {
  const letter = evolveLetter(null, change, at);
  if (letter) await replaceIfNewer(db, deadLettersCollection(db), letter);
}

/** Activities of the projector worker (task queue `projections`). */
export function createProjectionActivities({
  db,
  redis,
  now = () => new Date(),
  dispatchWebhooks,
  metrics,
  keys,
}: ProjectionDeps) {
  const log = new EventLog(db, keys);
  // One customer's view is read, changed and written back: within this worker, one order at a time.
  const productLock = new KeyedLock();
  const orderLock = new KeyedLock();
  const deliveryLock = new KeyedLock();

  const activities = {
    /**
     * One order's events, in one go (the saga sends what it recorded since its last projection).
     * The event log first (it outlives the run's history), then MongoDB `orders` (the read model of record, which decides applied / duplicate / gap), then
     * the views derived from the same fold, then the Redis copies: each document read and written once
     * per batch, not once per event. Every write is idempotent and never goes backwards, so a duplicate
     * batch may safely redo them (it may follow a crash between two writes). Last, the events' webhook
     * deliveries start (each once, whatever the retries: their ids are fixed).
     */
    async projectEvents(events: OrderEvent[]): Promise<{ applied: number; duplicates: number }> {
      const first = events[0];
      if (!first) return { applied: 0, duplicates: 0 };
      if (events.some((e) => e.orderId !== first.orderId)) {
        // A bug in the caller, not a passing fault: retrying would not help.
        throw ApplicationFailure.nonRetryable(
          `a batch mixes orders (${first.orderId} and others)`,
          'PROJECTION_BATCH',
        );
      }
      await log.append(events);
      // MongoDB, the read models of record, first; the Redis copies after: while Redis is down the
      // batch fails (and is retried) only once everything in MongoDB is written.
      // Orders of one SKU project concurrently; one SKU's views are written one at a time here, because
      // FerretDB does not make the conditional replace atomic (MongoDB does). A batch writes each of
      // its products once, as its newest snapshot left it.
      const products = productsOf(events, now());
      for (const view of products) await productLock.run(view._id, () => storeProductView(db, view));
      // One order's batches (and their retries) are written in turn: the order's documents are
      // compared and replaced by `_id` on FerretDB, which is only safe one writer at a time.
      const { applied, doc } = await orderLock.run(first.orderId, async () => {
        const result = await applyToOrders(db, events, now());
        if (result.doc) {
          // An order's views are written after its document, under this lock: when this batch moved the
          // document on, what is stored of them is at most the version before it, and FerretDB need
          // not read them first. A duplicate batch (the retry after a crash between writes) reads.
          const stored =
            result.applied.length > 0 ? { version: result.doc.version - result.applied.length } : undefined;
          const batch = { stored, seqs: new Set(events.map((e) => e.seq)) };
          for (const derived of derivedViews(toState(result.doc), result.doc.projectedAt)) {
            await writeDerived(db, derived, batch);
          }
        }
        return result;
      });
      const outcome = { applied: applied.length, duplicates: events.length - applied.length };
      const cacheProducts = async () => {
        for (const view of products) await cacheProductView(redis, view);
      };
      if (!doc) {
        await cacheProducts();
        return outcome;
      }
      if (metrics) for (const event of applied) observe(metrics, event, doc, doc.projectedAt);
      await cacheProducts();
      await writeOrderToRedis(redis, doc);
      // Also on a duplicate: it may be the retry of a run that projected but did not get to dispatch.
      // Last, so that a receiver reading the order back finds what the webhook told it.
      if (dispatchWebhooks) await dispatchWebhooks(events);
      return outcome;
    },

    /** A notification the saga gave up on becomes a dead letter (once: its id is per order, kind, channel). */
    async recordNotificationFailure(failure: NotificationFailure): Promise<void> {
      await log.appendFailure(failure);
      await writeLetter(db, { type: 'NotificationFailed', failure }, now());
    },

    /** A dead letter as a redrive has it now (redriving, redriven, or open again). */
    async projectDeadLetter(letter: Omit<DeadLetter, 'projectedAt'>): Promise<void> {
      await writeLetter(db, { type: 'RedriveChanged', letter }, now());
    },

    /** A notification sent outside its order's run (a redrive): it joins the read model like the others. */
    async projectNotification(n: Omit<NotificationView, 'version' | 'projectedAt'>): Promise<void> {
      // version 0: if the first send did get through and was recorded, that record stays.
      await replaceIfNewer(db, notificationsCollection(db), { ...n, version: 0, projectedAt: now() });
    },

    /** A webhook delivery as its workflow has it now, and its dead letter once it has one. */
    async projectDelivery(delivery: WebhookDelivery): Promise<void> {
      const at = now();
      await deliveryLock.run(delivery.deliveryId, async () => {
        await replaceIfNewer(db, deliveriesCollection(db), evolveDelivery(null, delivery, at));
        await writeLetter(db, { type: 'DeliveryChanged', delivery }, at);
      });
    },
  };
  return activities;
}
