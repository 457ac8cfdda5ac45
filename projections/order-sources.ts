import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import { orderIdOfWorkflowId } from '../domain/ids';
import { eventOf } from '../domain/order';
import type { NotificationFailure } from './dead-letters/view';
import { digestOf, type EventLog } from './event-log';
import { listOrderRuns, orderHistories, type ListedRun } from './history';
import { ordersCollection, type OrderDoc } from './orders/view';

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
  /** what the event log holds of the order (`digestOf` its events; null: nothing) */
  logged: string | null;
}

/**
 * The events an order's read-model document holds in its timeline: the last copy of the log of an
 * order whose events neither Temporal nor the event log holds.
 */
export function eventsOfTimeline(doc: OrderDoc): OrderEvent[] {
  return doc.timeline.map((entry) => eventOf(entry, doc._id));
}

/**
 * Every order there is, once each, and `total`, about how many (for a progress bar). The order runs are
 * listed first; one pass over the event log then yields the orders no listed run holds and takes the
 * digest of the others; their histories follow (fetched in parallel); last, the orders only the
 * `orders` read model holds. What rebuild folds and verify checks.
 *
 * With `trustCompletedRuns` (the rebuild), only the runs that did not complete are listed, and every
 * other order is read from the log: a run completes only once its projector has applied its whole log
 * (`OrderWorkflow.finish`), and the projector appends to the log before anything else. Verify lists and
 * fetches every run, and so catches a log that lost what a history holds.
 */
export async function everyOrder(
  deps: { db: Db; temporal: Client; log: EventLog },
  { trustCompletedRuns }: { trustCompletedRuns: boolean },
): Promise<{ total: number; orders: AsyncGenerator<SourcedOrder> }> {
  const runs = await listOrderRuns(deps.temporal, { uncompletedOnly: trustCompletedRuns });
  const listed = new Set(runs.map((r) => orderIdOfWorkflowId(r.workflowId)).filter((id) => id !== null));
  const total = Math.max(listed.size, await storedOrders(deps.db));
  return { total, orders: fromEverySource(deps, runs, listed) };
}

/**
 * How many orders the read model holds, from the collection's statistics (FerretDB counts by reading
 * every document, a second per 10,000; `collStats` answers at once on both).
 */
async function storedOrders(db: Db): Promise<number> {
  try {
    const stats = await db.command({ collStats: ordersCollection(db).collectionName });
    return Number(stats.count ?? 0);
  } catch {
    return 0;
  }
}

async function* fromEverySource(
  deps: { db: Db; temporal: Client; log: EventLog },
  runs: ListedRun[],
  listed: ReadonlySet<string>,
): AsyncGenerator<SourcedOrder> {
  const seen = new Set<string>();
  const logged = new Map<string, string>();
  for await (const events of deps.log.orders()) {
    const orderId = events[0]?.orderId ?? '';
    const digest = digestOf(events);
    if (listed.has(orderId)) {
      logged.set(orderId, digest);
      continue;
    }
    seen.add(orderId);
    yield { orderId, events, failures: [], source: 'log', logged: digest };
  }
  const toFetch = runs.filter((r) => !seen.has(orderIdOfWorkflowId(r.workflowId) ?? ''));
  for await (const { events, failures } of orderHistories(deps.temporal, toFetch)) {
    const orderId = events[0]?.orderId;
    if (orderId === undefined) continue;
    seen.add(orderId);
    yield { orderId, events, failures, source: 'temporal', logged: logged.get(orderId) ?? null };
  }
  // A listed run deleted before its history was fetched: the log has it.
  for (const [orderId, digest] of logged) {
    if (seen.has(orderId)) continue;
    seen.add(orderId);
    const events = await deps.log.eventsOf(orderId);
    yield { orderId, events, failures: [], source: 'log', logged: digest };
  }
  const orders = ordersCollection(deps.db);
  for await (const { _id } of orders.find({}, { projection: { _id: 1 } })) {
    if (seen.has(_id)) continue;
    const doc = await orders.findOne({ _id });
    if (!doc) continue;
    yield { orderId: _id, events: eventsOfTimeline(doc), failures: [], source: 'timeline', logged: null };
  }
}
