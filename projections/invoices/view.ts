import type { Collection, Db } from 'mongodb';
import type { OrderLine } from '../../domain/events';
import type { OrderState } from '../../domain/order';
import { foldView, type EntryOf, type OrderReadModel, type OrderView } from '../order-view';

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

/** The invoice as its events made it; its writer adds the order's version and when it was projected. */
export type InvoiceDoc = Omit<InvoiceView, 'version' | 'projectedAt'>;

export const handles = ['InvoiceIssued', 'PaymentReceived', 'InvoiceVoided'] as const;

/** Issued with the order's lines and total; paid by the payment; void for good once voided. */
export function evolve(
  doc: InvoiceDoc | null,
  event: EntryOf<(typeof handles)[number]>,
  order: OrderState,
): InvoiceDoc | null {
  switch (event.type) {
    case 'InvoiceIssued':
      return {
        _id: event.data.invoiceId,
        orderId: order.orderId,
        customerId: order.customer.id,
        number: event.data.number,
        lines: order.lines,
        total: order.total,
        currency: order.currency ?? 'EUR',
        status: 'ISSUED',
        issuedAt: event.at,
        dueAt: event.data.dueAt,
        paidAt: null,
        voidedAt: null,
        voidReason: null,
      };
    case 'PaymentReceived':
      return doc && { ...doc, status: doc.status === 'VOID' ? 'VOID' : 'PAID', paidAt: event.at };
    case 'InvoiceVoided':
      return doc && { ...doc, status: 'VOID', voidedAt: event.at, voidReason: event.data.reason };
  }
}

export const invoicesView: OrderView<InvoiceDoc, (typeof handles)[number]> = { handles, evolve };

/** The `invoices` read model: at most one document per order, versioned by the order. */
export const invoices: OrderReadModel<InvoiceView> = {
  name: 'invoices',
  collection: invoicesCollection,
  versionedBy: 'order',
  documentsOf(steps, order, projectedAt) {
    const doc = foldView(invoicesView, steps);
    return doc ? [{ ...doc, version: order.version, projectedAt }] : [];
  },
};
