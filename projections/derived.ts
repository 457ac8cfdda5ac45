import type { Collection, Db } from 'mongodb';
import type { OrderState } from '../domain/order';
import { invoices } from './invoices/view';
import { notifications } from './notifications/view';
import { ordersWithInvoices } from './orders-with-invoices/view';
import {
  stepsOf,
  type OrderReadModel,
  type OrderReadModelName,
  type OrderSteps,
  type VersionedDoc,
} from './order-view';

/** One read model's documents of one order, and where they are kept. */
export interface DerivedDocuments {
  readonly name: OrderReadModelName;
  readonly versionedBy: OrderReadModel<VersionedDoc>['versionedBy'];
  readonly docs: readonly VersionedDoc[];
  readonly collection: (db: Db) => Collection<VersionedDoc>;
}

function documentsOf<Doc extends VersionedDoc>(
  model: OrderReadModel<Doc>,
  steps: OrderSteps,
  order: OrderState,
  projectedAt: Date,
): DerivedDocuments {
  return {
    name: model.name,
    versionedBy: model.versionedBy,
    docs: model.documentsOf(steps, order, projectedAt),
    collection: (db) => db.collection<VersionedDoc>(model.name),
  };
}

/**
 * The read models of an order's events besides `orders` (which decides applied, duplicate or gap): the
 * projector writes each after the order's document, rebuild and verify fold them again, all of them
 * with their own `evolve` over the events they handle.
 */
export function derivedViews(order: OrderState, projectedAt: Date): DerivedDocuments[] {
  const steps = stepsOf(order);
  return [
    documentsOf(invoices, steps, order, projectedAt),
    documentsOf(ordersWithInvoices, steps, order, projectedAt),
    documentsOf(notifications, steps, order, projectedAt),
  ];
}
