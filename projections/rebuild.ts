import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Db, Document } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import { fold } from '../domain/order';
import { orderHistories, outboundHistories } from './history';
import { outboundFold } from './outbound';
import { deliveriesCollection } from './webhook-deliveries/view';
import { deadLettersCollection } from './dead-letters/view';
import { ensureReadModelIndexes } from './indexes';
import { derivedViews } from './derived';
import { invoicesCollection } from './invoices/view';
import { ordersCollection, type OrderDoc } from './orders/mongo';
import { readOrderFromRedis, writeOrderToRedis } from './orders/redis';
import { ordersWithInvoicesCollection } from './orders-with-invoices/view';
import { notificationsCollection } from './notifications/view';

/**
 * The events an order's read-model document holds in its timeline: the last copy of the log of an
 * order whose history Temporal no longer keeps (its retention, or a deleted run).
 */
export function eventsOfTimeline(doc: OrderDoc): OrderEvent[] {
  return doc.timeline.map(
    (t) => ({ type: t.type, version: 1, orderId: doc._id, seq: t.seq, at: t.at, data: t.data }) as OrderEvent,
  );
}

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
type Progress = (done: number) => void;

/**
 * Folds every order history into fresh collections, then swaps each in with one rename, so queries
 * keep answering from the old ones until the new ones are complete. Redis is rewritten after the swap
 * (its writes never go backwards, so a live projector racing it is harmless). An order whose history
 * Temporal no longer keeps (retention) is folded from its own read-model timeline, and the webhook
 * deliveries and dead letters no history names are kept as they are: a rebuild never loses an order.
 */
export async function rebuildReadModels(
  deps: { db: Db; redis: Redis; temporal: Client },
  onProgress: Progress = () => undefined,
): Promise<{ orders: number; events: number }> {
  const { db } = deps;
  const tmp = (name: string) => `${name}__rebuild`;
  for (const name of REBUILT)
    await db
      .collection(tmp(name))
      .drop()
      .catch(() => undefined);
  const now = new Date();
  const batches: Record<(typeof REBUILT)[number], Document[]> = {
    orders: [],
    invoices: [],
    orders_with_invoices: [],
    notifications: [],
    webhook_deliveries: [],
    dead_letters: [],
  };
  const flush = async (force = false) => {
    for (const name of REBUILT) {
      const docs = batches[name];
      if (docs.length > 0 && (force || docs.length >= 200)) {
        await db.collection(tmp(name)).insertMany(docs);
        batches[name] = [];
      }
    }
  };
  let orders = 0;
  let events = 0;
  const redisDocs: OrderDoc[] = [];
  const outbound = outboundFold();
  const notified = new Set<string>();
  const rebuilt = new Set<string>();
  const addOrder = async (evs: OrderEvent[]) => {
    const docs = docsOf(evs, now);
    if (!docs) return;
    rebuilt.add(docs.order.orderId);
    batches.orders.push(docs.orderDoc);
    if (docs.invoice) batches.invoices.push(docs.invoice);
    batches.orders_with_invoices.push(docs.withInvoice);
    batches.notifications.push(...docs.notifications);
    for (const n of docs.notifications) notified.add(n._id);
    redisDocs.push(docs.orderDoc);
    orders++;
    events += evs.length;
    await flush();
    if (orders % 100 === 0) onProgress(orders);
  };
  for await (const { events: evs, failures } of orderHistories(deps.temporal)) {
    outbound.addFailures(failures);
    await addOrder(evs);
  }
  for await (const doc of ordersCollection(db).find({})) {
    if (!rebuilt.has(doc._id)) await addOrder(eventsOfTimeline(doc));
  }
  // Webhook deliveries and redrives are runs of their own: their histories hold what they recorded.
  for await (const records of outboundHistories(deps.temporal)) outbound.add(records);
  const out = outbound.docs(now);
  batches.webhook_deliveries = await withStored(db, deliveriesCollection(db).collectionName, out.deliveries);
  batches.dead_letters = await withStored(db, deadLettersCollection(db).collectionName, out.letters);
  batches.notifications.push(...out.notifications.filter((n) => !notified.has(n._id)));
  await flush(true);
  for (const name of REBUILT) {
    if ((await db.listCollections({ name: tmp(name) }).toArray()).length === 0) {
      await db.createCollection(tmp(name));
    }
    await swap(db, tmp(name), name);
  }
  await ensureReadModelIndexes(db);
  for (const doc of redisDocs) await writeOrderToRedis(deps.redis, doc);
  onProgress(orders);
  return { orders, events };
}

/** `docs`, and what the collection holds besides them (by `_id`): what no history names is kept. */
async function withStored(db: Db, name: string, docs: Document[]): Promise<Document[]> {
  const known = new Set(docs.map((d) => String(d._id)));
  const stored = await db.collection(name).find({}).toArray();
  return [...docs, ...stored.filter((d) => !known.has(String(d._id)))];
}

export interface Drift {
  model: string;
  id: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

/** Canonical JSON: dates as ISO strings, keys sorted, `projectedAt` left out (it is when, not what). */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'projectedAt')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** The first field where two documents differ, or null when they are the same. */
export function firstDifference(
  expected: unknown,
  actual: unknown,
): { field: string; expected: unknown; actual: unknown } | null {
  const e = canonical(expected) as Record<string, unknown> | null;
  const a = canonical(actual) as Record<string, unknown> | null;
  if (e === null || a === null) return e === a ? null : { field: '(document)', expected: e, actual: a };
  for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
    if (JSON.stringify(e[key]) !== JSON.stringify(a[key]))
      return { field: key, expected: e[key], actual: a[key] };
  }
  return null;
}

/** Compares the read models with what the histories fold into; 0 drift is the expected answer. */
export async function verifyReadModels(
  deps: { db: Db; redis: Redis; temporal: Client },
  onProgress: Progress = () => undefined,
): Promise<{ orders: number; drift: Drift[] }> {
  const { db } = deps;
  const drift: Drift[] = [];
  const note = (model: string, id: string, expected: unknown, actual: unknown) => {
    const d = firstDifference(expected, actual);
    if (d) drift.push({ model, id, ...d });
  };
  const seen = new Set<string>();
  const now = new Date();
  let orders = 0;
  const outbound = outboundFold();
  const notified = new Set<string>();
  const checkOrder = async (events: OrderEvent[]) => {
    const docs = docsOf(events, now);
    if (!docs) return;
    const id = docs.order.orderId;
    seen.add(id);
    note('orders', id, docs.orderDoc, await ordersCollection(db).findOne({ _id: id }));
    const { invoice } = docs;
    if (invoice) {
      note('invoices', invoice._id, invoice, await invoicesCollection(db).findOne({ _id: invoice._id }));
    }
    note(
      'orders_with_invoices',
      id,
      docs.withInvoice,
      await ordersWithInvoicesCollection(db).findOne({ _id: id }),
    );
    for (const n of docs.notifications) {
      notified.add(n._id);
      note('notifications', n._id, n, await notificationsCollection(db).findOne({ _id: n._id }));
    }
    const hot = await readOrderFromRedis(deps.redis, id);
    note('redis order', id, docs.orderDoc, hot);
    orders++;
    if (orders % 100 === 0) onProgress(orders);
  };
  for await (const { events, failures } of orderHistories(deps.temporal)) {
    outbound.addFailures(failures);
    await checkOrder(events);
  }
  // An order no history accounts for (its run gone with Temporal's retention) is checked against its
  // own timeline, the last copy of its log, as the rebuild folds it.
  for await (const doc of ordersCollection(db).find({})) {
    if (!seen.has(doc._id)) await checkOrder(eventsOfTimeline(doc));
  }
  for await (const records of outboundHistories(deps.temporal)) outbound.add(records);
  const out = outbound.docs(now);
  for (const d of out.deliveries) {
    note('webhook_deliveries', d._id, d, await deliveriesCollection(db).findOne({ _id: d._id }));
  }
  for (const l of out.letters) {
    note('dead_letters', l._id, l, await deadLettersCollection(db).findOne({ _id: l._id }));
  }
  for (const n of out.notifications) {
    if (!notified.has(n._id)) {
      note('notifications', n._id, n, await notificationsCollection(db).findOne({ _id: n._id }));
    }
  }
  onProgress(orders);
  return { orders, drift };
}
