import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Db, Document } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import type { PayloadKeys } from '../infra/payload-codec';
import { outboundHistories } from './history';
import { outboundFold } from './outbound';
import { deliveriesCollection } from './webhook-deliveries/view';
import { deadLettersCollection } from './dead-letters/view';
import { notificationsCollection } from './notifications/view';
import { ensureReadModelIndexes } from './indexes';
import { derivedViews } from './derived';
import { evolve as evolveOrderDoc, ordersCollection, toState, type OrderDoc } from './orders/view';
import { dropOrderFromRedis, ordersInRedis, replaceOrderInRedis } from './orders/redis';
import { EventLog, digestOf } from './event-log';
import { everyOrder } from './order-sources';
import { collectionExists, recoverAside, swapKeepingNewer, type Versions } from './swap';
import { withRebuildLease } from './rebuild-lease';

/** The order read models one run's events fold into (the same functions the projector uses). */
export function docsOf(events: OrderEvent[], projectedAt: Date) {
  const orderDoc = events.reduce<OrderDoc | null>(
    (doc, event) => evolveOrderDoc(doc, event, projectedAt),
    null,
  );
  if (!orderDoc) return null;
  return { orderDoc, derived: derivedViews(toState(orderDoc), projectedAt) };
}

/**
 * What the outbound runs and the kept notification failures fold into, besides what the orders'
 * histories gave `outbound` (rebuild writes it, verify compares with it): the failures from the log
 * (a run's history holds them only while Temporal keeps it), then every webhook delivery and redrive
 * run, runs of their own whose histories hold what they recorded.
 */
export async function foldOutbound(
  outbound: ReturnType<typeof outboundFold>,
  log: EventLog,
  temporal: Client,
  projectedAt: Date,
) {
  for await (const failure of log.failures()) outbound.addFailures([failure]);
  for await (const records of outboundHistories(temporal)) outbound.add(records);
  return outbound.docs(projectedAt);
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

/** How long each phase of a long pass took (the rebuild reports them). */
class Phases {
  readonly ms: Record<string, number> = {};
  private last = performance.now();

  end(name: string): void {
    const now = performance.now();
    this.ms[name] = Math.round(now - this.last);
    this.last = now;
  }
}

/** Documents written to the fresh collections in batches of this many. */
const BATCH = 500;

/** Batch inserts in flight at once: the store writes while the next orders are read and folded. */
const WRITES_IN_FLIGHT = 4;

/** The fresh collections a rebuild fills, written in batches, several at a time. */
class FreshCollections {
  private readonly batches = new Map<Rebuilt, Document[]>(REBUILT.map((name) => [name, []]));
  /** the version of every document written, so that the swap need not read them back */
  private readonly versions = new Map<Rebuilt, Versions>(REBUILT.map((name) => [name, new Map()]));
  private readonly writing = new Set<Promise<unknown>>();
  private failure: Error | null = null;

  constructor(private readonly db: Db) {}

  static nameOf(name: Rebuilt): string {
    return `${name}__rebuild`;
  }

  /** Puts back what a swap that stopped half-way set aside, and drops what a rebuild left unfinished. */
  async clear(): Promise<void> {
    for (const name of REBUILT) {
      await recoverAside(this.db, name);
      await this.db
        .collection(FreshCollections.nameOf(name))
        .drop()
        .catch(() => undefined);
    }
  }

  async add(name: Rebuilt, docs: readonly Document[]): Promise<void> {
    const versions = this.versions.get(name);
    for (const doc of docs) versions?.set(String(doc._id), Number(doc.version));
    const batch = this.batches.get(name) ?? [];
    batch.push(...docs);
    this.batches.set(name, batch);
    if (batch.length >= BATCH) await this.flush(name);
  }

  /** Starts writing the batch; waits only while `WRITES_IN_FLIGHT` are. A failed write fails `swapIn`. */
  private async flush(name: Rebuilt): Promise<void> {
    const docs = this.batches.get(name) ?? [];
    this.batches.set(name, []);
    if (docs.length === 0) return;
    while (this.writing.size >= WRITES_IN_FLIGHT) await Promise.race(this.writing);
    const write = this.db.collection(FreshCollections.nameOf(name)).insertMany(docs, { ordered: false });
    const tracked: Promise<unknown> = write
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => this.writing.delete(tracked));
    this.writing.add(tracked);
  }

  /**
   * Writes what is left, and puts each fresh collection in place of the live one, keeping what live
   * writers wrote meanwhile where it is newer; returns how many such documents were kept.
   */
  async swapIn(): Promise<number> {
    for (const name of REBUILT) await this.flush(name);
    await Promise.all(this.writing);
    if (this.failure !== null) throw this.failure;
    let kept = 0;
    for (const name of REBUILT) {
      const fresh = FreshCollections.nameOf(name);
      if (!(await collectionExists(this.db, fresh))) {
        await this.db.createCollection(fresh);
      }
      kept += await swapKeepingNewer(this.db, fresh, name, this.versions.get(name));
    }
    return kept;
  }
}

/**
 * Folds every order into fresh collections, then swaps each in (`swapKeepingNewer`), so queries keep
 * answering from the old ones until the new ones are complete, and what the live projector and webhook
 * worker write while the rebuild runs is kept where it is newer than what was folded. An order's events come from the event
 * log when its run completed or left Temporal, else from its history (`everyOrder`); the log is repaired
 * on the way where it lacks what a history holds. The webhook deliveries, dead letters and redriven notifications no
 * history names any more are kept as they are: a rebuild never loses an order, nor what was sent.
 * Redis follows: each order's hot document is replaced (unless a live projector wrote a newer one),
 * and one no rebuilt order accounts for is dropped.
 */
export async function rebuildReadModels(
  deps: ReadModelDeps,
  onProgress: Progress = () => undefined,
): Promise<RebuildResult> {
  // One at a time: a second rebuild would drop and fill the same fresh collections.
  return withRebuildLease(deps.db, () => rebuildHoldingLease(deps, onProgress));
}

export interface RebuildResult {
  orders: number;
  events: number;
  /** orders read from the event log (their runs completed, or left Temporal), and from histories */
  fromLog: number;
  historiesFetched: number;
  logRepaired: number;
  /** documents live writers wrote while the rebuild ran, kept at the swap (newer than the rebuilt ones) */
  keptFromLive: number;
  /** milliseconds each phase took, in order */
  phases: Record<string, number>;
}

async function rebuildHoldingLease(deps: ReadModelDeps, onProgress: Progress): Promise<RebuildResult> {
  const { db } = deps;
  const fresh = new FreshCollections(db);
  await fresh.clear();
  const log = new EventLog(db, deps.keys);
  const phases = new Phases();
  const { total, orders } = await everyOrder({ ...deps, log }, { trustCompletedRuns: true });
  phases.end('runs listed');
  const now = new Date();
  const counts = { orders: 0, events: 0, fromLog: 0, historiesFetched: 0, logRepaired: 0 };
  const hot: OrderDoc[] = [];
  const outbound = outboundFold();
  const notified = new Set<string>();
  for await (const { events, failures, source, logged } of orders) {
    outbound.addFailures(failures);
    if (source !== 'log' && logged !== digestOf(events)) {
      await log.overwrite(events);
      counts.logRepaired++;
    }
    const docs = docsOf(events, now);
    if (!docs) continue;
    await fresh.add('orders', [docs.orderDoc]);
    for (const { name, docs: derived } of docs.derived) {
      await fresh.add(name, derived);
      if (name === 'notifications') for (const n of derived) notified.add(n._id);
    }
    hot.push(docs.orderDoc);
    counts.orders++;
    counts.events += events.length;
    if (source === 'log') counts.fromLog++;
    if (source === 'temporal') counts.historiesFetched++;
    if (counts.orders % 100 === 0) onProgress(counts.orders, total);
  }
  phases.end('orders folded');
  const out = await foldOutbound(outbound, log, deps.temporal, now);
  await fresh.add(
    'webhook_deliveries',
    await withStored(db, deliveriesCollection(db).collectionName, out.deliveries),
  );
  await fresh.add(
    'dead_letters',
    await withStored(db, deadLettersCollection(db).collectionName, out.letters),
  );
  const redriven = out.notifications.filter((n) => !notified.has(n._id));
  await fresh.add(
    'notifications',
    await withStored(db, notificationsCollection(db).collectionName, redriven, notified),
  );
  phases.end('deliveries folded');
  const keptFromLive = await fresh.swapIn();
  await ensureReadModelIndexes(db);
  phases.end('swapped in');
  await followInRedis(deps.redis, db, hot);
  phases.end('Redis');
  onProgress(counts.orders, total);
  return { ...counts, keptFromLive, phases: phases.ms };
}

/**
 * Redis made to hold the rebuilt orders' hot documents, and no other order than those and the ones the
 * live projector placed while the rebuild ran (the swap kept them in MongoDB's `orders`).
 */
async function followInRedis(redis: Redis, db: Db, docs: OrderDoc[]): Promise<void> {
  const rebuilt = new Set(docs.map((d) => d._id));
  for (let i = 0; i < docs.length; i += BATCH) {
    await Promise.all(docs.slice(i, i + BATCH).map((doc) => replaceOrderInRedis(redis, doc)));
  }
  const orders = ordersCollection(db);
  for await (const orderId of ordersInRedis(redis)) {
    if (rebuilt.has(orderId)) continue;
    const placedMeanwhile = await orders.findOne({ _id: orderId }, { projection: { _id: 1 } });
    if (!placedMeanwhile) await dropOrderFromRedis(redis, orderId);
  }
}

/**
 * `docs`, and what the collection holds besides them (by `_id`) and besides `also`: what no run kept
 * names any more is kept; so is a stored version newer than the one derived (a dead letter whose
 * redrive run left Temporal: the failure is in the log, the redrive only in the read model).
 */
async function withStored(
  db: Db,
  name: string,
  docs: Document[],
  also: ReadonlySet<string> = new Set(),
): Promise<Document[]> {
  const derived = new Map(docs.map((d) => [String(d._id), d]));
  const kept = new Map(derived);
  for await (const stored of db.collection(name).find({})) {
    const id = String(stored._id);
    const mine = derived.get(id);
    if (mine ? isNewer(stored, mine) : !also.has(id)) kept.set(id, stored);
  }
  return [...kept.values()];
}

const isNewer = (a: Document, b: Document) => typeof a.version === 'number' && a.version > Number(b.version);
