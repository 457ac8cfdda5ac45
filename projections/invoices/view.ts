import type { Collection, Db } from 'mongodb';
import type { OrderLine } from '../../domain/events';
import type { OrderState } from '../../domain/order';

/** The `invoices` read model: one document per invoice, as a customer or accountant reads it. */
export interface InvoiceView {
  _id: string;
  orderId: string;
  customerId: string;
  number: number;
  lines: OrderLine[];
  total: number;
  currency: string;
  status: 'ISSUED' | 'PAID' | 'VOID';
  issuedAt: string;
  dueAt: string;
  paidAt: string | null;
  voidedAt: string | null;
  voidReason: string | null;
  /** seq of the order event this reflects */
  version: number;
  projectedAt: Date;
}

export const invoicesCollection = (db: Db): Collection<InvoiceView> => db.collection<InvoiceView>('invoices');

export async function ensureInvoiceIndexes(db: Db): Promise<void> {
  await invoicesCollection(db).createIndex({ orderId: 1 });
  await invoicesCollection(db).createIndex({ customerId: 1, issuedAt: -1 });
}

/** Pure: the invoice of an order as its events have shaped it, or null before one was issued. */
export function invoiceView(order: OrderState, projectedAt: Date): InvoiceView | null {
  if (!order.invoice) return null;
  const at = (type: string) => order.timeline.find((t) => t.type === type);
  const voided = at('InvoiceVoided');
  const status = order.invoice.status === 'VOID' ? 'VOID' : order.payment ? 'PAID' : 'ISSUED';
  return {
    _id: order.invoice.invoiceId,
    orderId: order.orderId,
    customerId: order.customer.id,
    number: order.invoice.number,
    lines: order.lines,
    total: order.total,
    currency: order.currency ?? 'EUR',
    status,
    issuedAt: at('InvoiceIssued')?.at ?? order.updatedAt,
    dueAt: order.invoice.dueAt,
    paidAt: order.payment?.receivedAt ?? null,
    voidedAt: voided?.at ?? null,
    voidReason: voided ? (voided.data as { reason: string }).reason : null,
    version: order.version,
    projectedAt,
  };
}
