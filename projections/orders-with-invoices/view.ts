import type { Collection, Db } from 'mongodb';
import type { OrderState } from '../../domain/order';
import { ORDER_EVENT_TYPES, type OrderEventType } from '../../domain/events';
import type { TimelineEntry } from '../../domain/order';
import {
  evolve as evolveInvoice,
  handles as invoiceEvents,
  type InvoiceDoc,
  type InvoiceView,
} from '../invoices/view';
import { foldView, type EntryOf, type OrderReadModel, type OrderView } from '../order-view';

/** `orders_with_invoices`: one flat document per order with its invoice, ready for a front end. */
export interface OrderWithInvoice {
  _id: string;
  status: OrderState['status'];
  customer: OrderState['customer'];
  lines: OrderState['lines'];
  total: number;
  currency: string | null;
  reason: string | null;
  placedAt: string;
  updatedAt: string;
  payment: OrderState['payment'];
  invoice: Pick<
    InvoiceView,
    '_id' | 'number' | 'status' | 'issuedAt' | 'dueAt' | 'paidAt' | 'voidedAt'
  > | null;
  version: number;
  projectedAt: Date;
}

export const ordersWithInvoicesCollection = (db: Db): Collection<OrderWithInvoice> =>
  db.collection<OrderWithInvoice>('orders_with_invoices');

export async function ensureOrdersWithInvoicesIndexes(db: Db): Promise<void> {
  await ordersWithInvoicesCollection(db).createIndex({ 'customer.id': 1, placedAt: -1 });
}

/** Every event changes the order's part; the invoice's part moves with the invoice's own events. */
export const handles = ORDER_EVENT_TYPES;

/** The order and its invoice as of one event: the document is their join (`joined`). */
export interface OrderAndInvoice {
  order: OrderState;
  invoice: InvoiceDoc | null;
}

export function evolve(
  doc: OrderAndInvoice | null,
  event: TimelineEntry,
  order: OrderState,
): OrderAndInvoice {
  const invoice = isInvoiceEvent(event)
    ? evolveInvoice(doc?.invoice ?? null, event, order)
    : (doc?.invoice ?? null);
  return { order, invoice };
}

const isInvoiceEvent = (event: TimelineEntry): event is EntryOf<(typeof invoiceEvents)[number]> =>
  (invoiceEvents as readonly string[]).includes(event.type);

export const ordersWithInvoicesView: OrderView<OrderAndInvoice, OrderEventType> = { handles, evolve };

/** The flat document: the order's fields and its invoice's summary. */
export function joined({ order, invoice }: OrderAndInvoice, projectedAt: Date): OrderWithInvoice {
  return {
    _id: order.orderId,
    status: order.status,
    customer: order.customer,
    lines: order.lines,
    total: order.total,
    currency: order.currency,
    reason: order.reason,
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    payment: order.payment,
    invoice: invoice && {
      _id: invoice._id,
      number: invoice.number,
      status: invoice.status,
      issuedAt: invoice.issuedAt,
      dueAt: invoice.dueAt,
      paidAt: invoice.paidAt,
      voidedAt: invoice.voidedAt,
    },
    version: order.version,
    projectedAt,
  };
}

/** The `orders_with_invoices` read model: one document per order, versioned by the order. */
export const ordersWithInvoices: OrderReadModel<OrderWithInvoice> = {
  name: 'orders_with_invoices',
  collection: ordersWithInvoicesCollection,
  versionedBy: 'order',
  documentsOf(steps, _order, projectedAt) {
    const doc = foldView(ordersWithInvoicesView, steps);
    return doc ? [joined(doc, projectedAt)] : [];
  },
};
