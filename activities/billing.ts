import type { Db } from 'mongodb';
import type { OrderLine } from '../domain/events';
import { invoiceIdFor } from '../domain/ids';

export interface InvoiceDoc {
  _id: string;
  orderId: string;
  customerId: string;
  number: number;
  lines: OrderLine[];
  total: number;
  currency: string;
  status: 'ISSUED' | 'VOID';
  issuedAt: Date;
}

export interface IssuedInvoice {
  invoiceId: string;
  number: number;
  total: number;
  currency: string;
}

export async function ensureBillingIndexes(db: Db): Promise<void> {
  await db.collection<InvoiceDoc>('invoices').createIndex({ orderId: 1 }, { unique: true });
  await db.collection<InvoiceDoc>('invoices').createIndex({ number: 1 }, { unique: true });
}

export function createBillingActivities({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const invoices = db.collection<InvoiceDoc>('invoices');
  const counters = db.collection<{ _id: string; value: number }>('counters');

  const view = (i: InvoiceDoc): IssuedInvoice => ({
    invoiceId: i._id,
    number: i.number,
    total: i.total,
    currency: i.currency,
  });

  return {
    /**
     * One invoice per order (its id derives from the order id, unique index on orderId): a retry
     * returns the invoice already issued. Numbers come from an atomic counter.
     */
    async issueInvoice(input: {
      orderId: string;
      customerId: string;
      lines: OrderLine[];
      total: number;
      currency: string;
    }): Promise<IssuedInvoice> {
      const _id = invoiceIdFor(input.orderId);
      const existing = await invoices.findOne({ _id });
      if (existing) return view(existing);
      const counter = await counters.findOneAndUpdate(
        { _id: 'invoice-number' },
        { $inc: { value: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      if (!counter) throw new Error('invoice counter update returned nothing');
      const doc: InvoiceDoc = {
        _id,
        orderId: input.orderId,
        customerId: input.customerId,
        number: counter.value,
        lines: input.lines,
        total: input.total,
        currency: input.currency,
        status: 'ISSUED',
        issuedAt: now(),
      };
      try {
        await invoices.insertOne(doc);
        return view(doc);
      } catch (err) {
        // A concurrent attempt of the same activity won the race: answer with its invoice.
        const raced = await invoices.findOne({ _id });
        if (raced) return view(raced);
        throw err;
      }
    },
  };
}
