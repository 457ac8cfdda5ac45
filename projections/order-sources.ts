import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import { orderIdOfWorkflowId } from '../domain/ids';
import type { NotificationFailure } from './dead-letters/view';
import { digestOf, type EventLog } from './event-log';
import { listOrderRuns, orderHistories, type ListedRun } from './history';
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
  /** whether Temporal still lists a run of the order */
  inTemporal: boolean;
  /** what the event log holds of the order (`digestOf` its events; null: nothing) */
  logged: string | null;
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
 * Every order there is, once each, and `total`, about how many (for a progress bar). The order runs are
 * listed first; one pass over the event log then yields the orders no listed run holds and takes the
 * digest of the others; their histories follow (fetched in parallel); last, the orders only the
 * `orders` read model holds. What rebuild folds and verify checks.
 *
 * With `trustCompletedRuns` (the rebuild), an order whose run completed is read from the log too,
 * without fetching its history: a run completes only once its projector has applied its whole log
 * (`OrderWorkflow.finish`), and the projector appends to the log before anything else. Verify fetches
 * every history, and so catches a log that lost what the history holds.
 */
export async function everyOrder(
  deps: { db: Db; temporal: Client; log: EventLog },
  { trustCompletedRuns }: { trustCompletedRuns: boolean },
): Promise<{ total: number; orders: AsyncGenerator<SourcedOrder> }> {
  const runs = await listOrderRuns(deps.temporal);
  const listed = new Map<string, 'completed' | 'open'>();
  for (const run of runs) {
    const orderId = orderIdOfWorkflowId(run.workflowId);
    if (orderId === null) continue;
    const completed = run.status.name === 'COMPLETED';
    if (completed || !listed.has(orderId)) listed.set(orderId, completed ? 'completed' : 'open');
  }
  const readFromLog = (orderId: string) => trustCompletedRuns && listed.get(orderId) === 'completed';
  const total = Math.max(listed.size, await ordersCollection(deps.db).estimatedDocumentCount());
  return { total, orders: fromEverySource(deps, runs, listed, readFromLog) };
}

async function* fromEverySource(
  deps: { db: Db; temporal: Client; log: EventLog },
  runs: ListedRun[],
  listed: ReadonlyMap<string, unknown>,
  readFromLog: (orderId: string) => boolean,
): AsyncGenerator<SourcedOrder> {
  const seen = new Set<string>();
  const logged = new Map<string, string>();
  for await (const events of deps.log.orders()) {
    const orderId = events[0]?.orderId ?? '';
    const digest = digestOf(events);
    if (listed.has(orderId) && !readFromLog(orderId)) {
      logged.set(orderId, digest);
      continue;
    }
    seen.add(orderId);
    yield { orderId, events, failures: [], source: 'log', inTemporal: listed.has(orderId), logged: digest };
  }
  const toFetch = runs.filter((r) => !seen.has(orderIdOfWorkflowId(r.workflowId) ?? ''));
  for await (const { events, failures } of orderHistories(deps.temporal, toFetch)) {
    const orderId = events[0]?.orderId;
    if (orderId === undefined) continue;
    seen.add(orderId);
    yield {
      orderId,
      events,
      failures,
      source: 'temporal',
      inTemporal: true,
      logged: logged.get(orderId) ?? null,
    };
  }
  // A listed run deleted before its history was fetched: the log has it.
  for (const [orderId, digest] of logged) {
    if (seen.has(orderId)) continue;
    seen.add(orderId);
    const events = await deps.log.eventsOf(orderId);
    yield { orderId, events, failures: [], source: 'log', inTemporal: false, logged: digest };
  }
  const orders = ordersCollection(deps.db);
  for await (const { _id } of orders.find({}, { projection: { _id: 1 } })) {
    if (seen.has(_id)) continue;
    const doc = await orders.findOne({ _id });
    if (!doc) continue;
    yield {
      orderId: _id,
      events: eventsOfTimeline(doc),
      failures: [],
      source: 'timeline',
      inTemporal: listed.has(_id),
      logged: null,
    };
  }
}
