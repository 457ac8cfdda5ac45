import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Db, Document } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import { fold } from '../domain/order';
import type { PayloadKeys } from '../infra/payload-codec';
import { countOrderRuns, outboundHistories } from './history';
import { outboundFold } from './outbound';
import { deliveriesCollection } from './webhook-deliveries/view';
import { deadLettersCollection } from './dead-letters/view';
import { ensureReadModelIndexes } from './indexes';
import { derivedViews } from './derived';
import type { OrderDoc } from './orders/mongo';
import { dropOrderFromRedis, ordersInRedis, replaceOrderInRedis } from './orders/redis';
import { EventLog, digestOf } from './event-log';
import { everyOrder } from './order-sources';

/** The order read models one run's events fold into (the same functions the projector uses). */
export function docsOf(events: OrderEvent[], projectedAt: Date) {
  const order = fold(events);
  if (!order) return null;
  const { orderId, ...state } = order;
  const orderDoc: OrderDoc = { _id: orderId, ...state, projectedAt };
  return { order, orderDoc, ...derivedViews(order, projectedAt) };
}

/**
 * Puts `from` in place of `to`: one atomic rename on MongoDB; FerretDB v1 has no `dropTarget`, so
 * there it is two renames and a drop, with a moment (milliseconds) in which `to` reads empty.
 */
async function swap(db: Db, from: string, to: string): Promise<void> {
  try {
    await db.renameCollection(from, to, { dropTarget: true });
    return;
  } catch (err) {
    if (!(err instanceof Error) || !err.message.includes('dropTarget')) throw err;
  }
  const old = `${to}__old`;
  await db
    .collection(old)
    .drop()
    .catch(() => undefined);
  const exists = (await db.listCollections({ name: to }).toArray()).length > 0;
  if (exists) await db.renameCollection(to, old);
  await db.renameCollection(from, to);
  if (exists) await db.collection(old).drop();
}

export const REBUILT = [
  'orders',
  'invoices',
  'orders_with_invoices',
  'notifications',
  'webhook_deliveries',
  'dead_letters',
] as const;
type Rebuilt = (typeof REBUILT)[number];

/** How far a rebuild or a verify is: orders done of about `total` (visibility's count, or the log's). */
export type Progress = (done: number, total: number) => void;

export interface ReadModelDeps {
  db: Db;
  redis: Redis;
  temporal: Client;
  /** the payload key ring, which seals the event log */
  keys?: PayloadKeys;
}

/** Documents written to the fresh collections in batches of this many. */
const BATCH = 500;

/** The fresh collections a rebuild fills, written in batches. */
class FreshCollections {
  private readonly batches = new Map<Rebuilt, Document[]>(REBUILT.map((name) => [name, []]));

  constructor(private readonly db: Db) {}

  static nameOf(name: Rebuilt): string {
    return `${name}__rebuild`;
  }

  async clear(): Promise<void> {
    for (const name of REBUILT) {
      await this.db
        .collection(FreshCollections.nameOf(name))
        .drop()
        .catch(() => undefined);
    }
  }

  async add(name: Rebuilt, docs: Document[]): Promise<void> {
    const batch = this.batches.get(name) ?? [];
    batch.push(...docs);
    this.batches.set(name, batch);
    if (batch.length >= BATCH) await this.flush(name);
  }

  private async flush(name: Rebuilt): Promise<void> {
    const docs = this.batches.get(name) ?? [];
    this.batches.set(name, []);
    if (docs.length > 0)
      await this.db.collection(FreshCollections.nameOf(name)).insertMany(docs, { ordered: false });
  }

  /** Writes what is left, and puts each fresh collection in place of the live one. */
  async swapIn(): Promise<void> {
    for (const name of REBUILT) {
      await this.flush(name);
      const fresh = FreshCollections.nameOf(name);
      if ((await this.db.listCollections({ name: fresh }).toArray()).length === 0) {
        await this.db.createCollection(fresh);
      }
      await swap(this.db, fresh, name);
    }
  }
}

/**
 * Folds every order into fresh collections, then swaps each in with one rename, so queries keep
 * answering from the old ones until the new ones are complete. An order's events come from its history
 * while Temporal holds it, else from the event log (`everyOrder`); the log is repaired on the way where
 * it lacks what a history holds. The webhook deliveries, dead letters and redriven notifications no
 * history names any more are kept as they are: a rebuild never loses an order, nor what was sent.
 * Redis follows: each order's hot document is replaced (unless a live projector wrote a newer one),
 * and one no rebuilt order accounts for is dropped.
 */
export async function rebuildReadModels(
  deps: ReadModelDeps,
  onProgress: Progress = () => undefined,
): Promise<{ orders: number; events: number; fromLog: number; logRepaired: number }> {
  const { db } = deps;
  const fresh = new FreshCollections(db);
  await fresh.clear();
  const log = new EventLog(db, deps.keys);
  const logged = await log.digests();
  const total = Math.max(logged.size, await countOrderRuns(deps.temporal));
  const now = new Date();
  const counts = { orders: 0, events: 0, fromLog: 0, logRepaired: 0 };
  const hot: OrderDoc[] = [];
  const outbound = outboundFold();
  const notified = new Set<string>();
  for await (const { events, failures, source } of everyOrder({ ...deps, log })) {
    outbound.addFailures(failures);
    if (source !== 'log' && logged.get(events[0]?.orderId ?? '') !== digestOf(events)) {
      await log.overwrite(events);
      counts.logRepaired++;
    }
    const docs = docsOf(events, now);
    if (!docs) continue;
    await fresh.add('orders', [docs.orderDoc]);
    if (docs.invoice) await fresh.add('invoices', [docs.invoice]);
    await fresh.add('orders_with_invoices', [docs.withInvoice]);
    await fresh.add('notifications', docs.notifications);
    for (const n of docs.notifications) notified.add(n._id);
    hot.push(docs.orderDoc);
    counts.orders++;
    counts.events += events.length;
    if (source === 'log') counts.fromLog++;
    if (counts.orders % 100 === 0) onProgress(counts.orders, total);
  }
  // Webhook deliveries and redrives are runs of their own: their histories hold what they recorded.
  for await (const records of outboundHistories(deps.temporal)) outbound.add(records);
  const out = outbound.docs(now);
  await fresh.add(
    'webhook_deliveries',
    await withStored(db, deliveriesCollection(db).collectionName, out.deliveries),
  );
  await fresh.add(
    'dead_letters',
    await withStored(db, deadLettersCollection(db).collectionName, out.letters),
  );
  const redriven = out.notifications.filter((n) => !notified.has(n._id));
  await fresh.add('notifications', await withStored(db, 'notifications', redriven, notified));
  await fresh.swapIn();
  await ensureReadModelIndexes(db);
  await followInRedis(deps.redis, hot);
  onProgress(counts.orders, total);
  return counts;
}

/** Redis made to hold the rebuilt orders' hot documents, and no other. */
async function followInRedis(redis: Redis, docs: OrderDoc[]): Promise<void> {
  const rebuilt = new Set(docs.map((d) => d._id));
  for (let i = 0; i < docs.length; i += BATCH) {
    await Promise.all(docs.slice(i, i + BATCH).map((doc) => replaceOrderInRedis(redis, doc)));
  }
  for await (const orderId of ordersInRedis(redis)) {
    if (!rebuilt.has(orderId)) await dropOrderFromRedis(redis, orderId);
  }
}

/**
 * `docs`, and what the collection holds besides them (by `_id`) and besides `also`: what no history
 * names any more is kept.
 */
async function withStored(
  db: Db,
  name: string,
  docs: Document[],
  also: ReadonlySet<string> = new Set(),
): Promise<Document[]> {
  const known = new Set([...docs.map((d) => String(d._id)), ...also]);
  const stored = await db.collection(name).find({}).toArray();
  return [...docs, ...stored.filter((d) => !known.has(String(d._id)))];
}
