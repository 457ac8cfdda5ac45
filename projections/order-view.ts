import type { Collection, Db, Document } from 'mongodb';
import type { OrderEventType } from '../domain/events';
import { evolve as evolveOrder, eventOf, type OrderState, type TimelineEntry } from '../domain/order';

/** The timeline's entries of the given event types, each with its own data. */
export type EntryOf<T extends OrderEventType> = Extract<TimelineEntry, { type: T }>;

/**
 * A read model of an order's events: the events it handles, and for each the document after it from
 * the one before (null: none yet). `order` is the order as of that event, for what the event does not
 * carry itself (the order's id, its customer, its lines).
 */
export interface OrderView<Doc, T extends OrderEventType> {
  readonly handles: readonly T[];
  evolve(doc: Doc | null, event: EntryOf<T>, order: OrderState): Doc | null;
}

/** An order event by event: each entry of its timeline with the order as of it. */
export type OrderSteps = readonly { entry: TimelineEntry; order: OrderState }[];

/** The steps of an order, made once for all its views. */
export function stepsOf(order: OrderState): OrderSteps {
  const steps: { entry: TimelineEntry; order: OrderState }[] = [];
  let state: OrderState | null = null;
  for (const entry of order.timeline) {
    state = evolveOrder(state, eventOf(entry, order.orderId));
    steps.push({ entry, order: state });
  }
  return steps;
}

/** A view's document of an order: its `evolve` folded over the events it handles, in their order. */
export function foldView<Doc, T extends OrderEventType>(
  view: OrderView<Doc, T>,
  steps: OrderSteps,
): Doc | null {
  const handled = (entry: TimelineEntry): entry is EntryOf<T> =>
    (view.handles as readonly string[]).includes(entry.type);
  let doc: Doc | null = null;
  for (const { entry, order } of steps) if (handled(entry)) doc = view.evolve(doc, entry, order);
  return doc;
}

/**
 * A read model the projector writes from an order's events, and rebuild and verify fold again: its
 * collection, and the documents of one order. Versioned by `order`: one document per order, carrying
 * the order's version (the seq of its last event). Versioned by `event`: one document per event it
 * handles, carrying that event's seq.
 */
export interface OrderReadModel<Doc extends VersionedDoc> {
  readonly name: OrderReadModelName;
  collection(db: Db): Collection<Doc>;
  readonly versionedBy: 'order' | 'event';
  documentsOf(steps: OrderSteps, order: OrderState, projectedAt: Date): Doc[];
}

/** The collections the read models of an order's events are kept in, besides `orders` itself. */
export type OrderReadModelName = 'invoices' | 'orders_with_invoices' | 'notifications';

/** A read-model document: its id, and the version of what it reflects. */
export type VersionedDoc = Document & { _id: string; version: number };
