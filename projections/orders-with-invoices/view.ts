import type { Collection, Db } from 'mongodb';
import type { OrderState } from '../../domain/order';
import type { InvoiceView } from '../invoices/view';

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

/** Pure: the order joined with its invoice, from the same fold. */
export function orderWithInvoice(
  order: OrderState,
  invoice: InvoiceView | null,
  projectedAt: Date,
): OrderWithInvoice {
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
