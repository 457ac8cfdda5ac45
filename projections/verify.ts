import { canonical } from './canonical';
import { outboundFold } from './outbound';
import { deliveriesCollection } from './webhook-deliveries/view';
import { deadLettersCollection } from './dead-letters/view';
import { ordersCollection } from './orders/view';
import { readOrderFromRedis } from './orders/redis';
import { notificationsCollection } from './notifications/view';
import { EventLog, digestOf } from './event-log';
import { everyOrder, type OrderSource, type SourcedOrder } from './order-sources';
import { docsOf, foldOutbound, type Progress, type ReadModelDeps } from './rebuild';
import { mapConcurrent } from '../infra/concurrent';

export interface Drift {
  model: string;
  id: string;
  field: string;
  expected: unknown;
  actual: unknown;
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

export interface Verified {
  orders: number;
  /** orders by where their events were read: Temporal, or the event log once their runs left it */
  sources: Record<OrderSource, number>;
  drift: Drift[];
}

/** Orders checked at once (each is a handful of point reads). */
const CHECKS = 16;

/**
 * Compares the read models, Redis and the event log with what every order's events fold into; 0 drift
 * is the expected answer. An order whose run left Temporal (retention) is checked against the event
 * log and counted as `log`, not as drift; the log itself drifts when it lacks what a history holds, and
 * an order only its read model holds (`timeline`) is drift of the log.
 */
export async function verifyReadModels(
  deps: ReadModelDeps,
  onProgress: Progress = () => undefined,
): Promise<Verified> {
  const { db } = deps;
  const log = new EventLog(db, deps.keys);
  const { total, orders: every } = await everyOrder({ ...deps, log }, { trustCompletedRuns: false });
  const drift: Drift[] = [];
  const note = (model: string, id: string, expected: unknown, actual: unknown) => {
    const d = firstDifference(expected, actual);
    if (d) drift.push({ model, id, ...d });
  };
  const sources: Record<OrderSource, number> = { temporal: 0, log: 0, timeline: 0 };
  const now = new Date();
  const outbound = outboundFold();
  const notified = new Set<string>();
  const checkOrder = async ({ orderId, events, failures, source, logged }: SourcedOrder) => {
    outbound.addFailures(failures);
    const docs = docsOf(events, now);
    if (!docs) return;
    const expectedLog = digestOf(events);
    if (source !== 'log' && logged !== expectedLog) {
      drift.push({
        model: 'order_events',
        id: orderId,
        field: '(events)',
        expected: expectedLog,
        actual: logged,
      });
    }
    note('orders', orderId, docs.orderDoc, await ordersCollection(db).findOne({ _id: orderId }));
    for (const { name, docs: derived, collection } of docs.derived) {
      for (const doc of derived) {
        if (name === 'notifications') notified.add(doc._id);
        note(name, doc._id, doc, await collection(db).findOne({ _id: doc._id }));
      }
    }
    note('redis order', orderId, docs.orderDoc, await readOrderFromRedis(deps.redis, orderId));
    sources[source]++;
  };
  let checked = 0;
  for await (const _ of mapConcurrent(every, CHECKS, checkOrder)) {
    if (++checked % 100 === 0) onProgress(checked, total);
  }
  const out = await foldOutbound(outbound, log, deps.temporal, now);
  // A stored version newer than any kept run records is a delivery or redrive whose run left Temporal.
  const noteUnlessNewer = <T extends { version: number }>(
    model: string,
    id: string,
    expected: T,
    actual: T | null,
  ) => {
    if (!actual || actual.version <= expected.version) note(model, id, expected, actual);
  };
  for (const d of out.deliveries) {
    noteUnlessNewer('webhook_deliveries', d._id, d, await deliveriesCollection(db).findOne({ _id: d._id }));
  }
  for (const l of out.letters) {
    noteUnlessNewer('dead_letters', l._id, l, await deadLettersCollection(db).findOne({ _id: l._id }));
  }
  for (const n of out.notifications) {
    if (!notified.has(n._id)) {
      note('notifications', n._id, n, await notificationsCollection(db).findOne({ _id: n._id }));
    }
  }
  const orders = sources.temporal + sources.log + sources.timeline;
  onProgress(orders, total);
  return { orders, sources, drift: drift.sort(byModelAndId) };
}

/** Drift in a stable order (checks run concurrently): by model, then id. */
const byModelAndId = (a: Drift, b: Drift) => a.model.localeCompare(b.model) || a.id.localeCompare(b.id);
