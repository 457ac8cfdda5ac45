import type { OrderState } from '../domain/order';
import { invoiceView } from './invoices/view';
import { notificationViews } from './notifications/view';
import { orderWithInvoice } from './orders-with-invoices/view';

/** The read models derived from one order's fold: the projector writes them, rebuild and verify recompute them. */
export function derivedViews(order: OrderState, projectedAt: Date) {
  const invoice = invoiceView(order, projectedAt);
  return {
    invoice,
    withInvoice: orderWithInvoice(order, invoice, projectedAt),
    notifications: notificationViews(order, projectedAt),
  };
}
