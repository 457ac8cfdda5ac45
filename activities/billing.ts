import type { Collection, Db } from 'mongodb';
import type { OrderLine } from '../domain/events';
import { invoiceIdFor } from '../domain/ids';
import { isDuplicateKey } from '../infra/mongo-errors';
import { KeyedLock } from '../infra/keyed-lock';

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
  dueAt: Date;
  voidedAt?: Date;
  voidReason?: string;
}

export interface IssuedInvoice {
  invoiceId: string;
  number: number;
  total: number;
  currency: string;
  dueAt: string;
}

/**
 * The write side's invoices (the register numbers are allocated in). Reads go to the `invoices` read
 * model instead, projected from the events.
 */
export const billingInvoices = (db: Db): Collection<InvoiceDoc> =>
  db.collection<InvoiceDoc>('billing_invoices');

export async function ensureBillingIndexes(db: Db): Promise<void> {
  await billingInvoices(db).createIndex({ orderId: 1 }, { unique: true });
  await billingInvoices(db).createIndex({ number: 1 }, { unique: true });
}

export function createBillingActivities({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const invoices = billingInvoices(db);
  // Numbering takes turns within this worker; other workers still race on the unique index.
  const numbering = new KeyedLock();

  const view = (i: InvoiceDoc): IssuedInvoice => ({
    invoiceId: i._id,
    number: i.number,
    total: i.total,
    currency: i.currency,
    dueAt: i.dueAt.toISOString(),
  });

  type IssueInput = {
    orderId: string;
    customerId: string;
    lines: OrderLine[];
    total: number;
    currency: string;
    /** ISO date the payment is due, decided by the workflow */
    dueAt: string;
  };

  /**
   * Where the numbering stands, found by `_id` lookups only: `invoice_numbers` holds one marker per
   * number issued (`_id` = the number), so the next free number is probed forward from the last one
   * this worker saw; only the first call scans. (FerretDB v1 scans the collection for a sort, which
   * took 240 ms at 370 invoices, under the numbering turn.)
   */
  const markers = db.collection<{ _id: string; invoiceId: string }>('invoice_numbers');
  let lastSeen: number | null = null;

  async function lastNumber(): Promise<number> {
    if (lastSeen === null) {
      const [last] = await invoices
        .find({}, { projection: { number: 1 } })
        .sort({ number: -1 })
        .limit(1)
        .toArray();
      lastSeen = last?.number ?? 0;
    }
    while (await markers.findOne({ _id: String(lastSeen + 1) })) lastSeen++;
    return lastSeen;
  }

  async function mark(number: number, invoiceId: string): Promise<void> {
    try {
      await markers.insertOne({ _id: String(number), invoiceId });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async function issue(input: IssueInput): Promise<IssuedInvoice> {
    const _id = invoiceIdFor(input.orderId);
    for (let attempt = 0; ; attempt++) {
      // The first attempt goes straight to the insert: the order's invoice, if it exists (a retried
      // activity), makes it fail on `_id`, and the next attempt finds and returns it.
      if (attempt > 0) {
        const existing = await invoices.findOne({ _id });
        if (existing) return view(existing);
      }
      const doc: InvoiceDoc = {
        _id,
        orderId: input.orderId,
        customerId: input.customerId,
        number: (await lastNumber()) + 1,
        lines: input.lines,
        total: input.total,
        currency: input.currency,
        status: 'ISSUED',
        issuedAt: now(),
        dueAt: new Date(input.dueAt),
      };
      try {
        await invoices.insertOne(doc);
        lastSeen = doc.number;
        await mark(doc.number, _id);
        return view(doc);
      } catch (err) {
        if (!isDuplicateKey(err) || attempt > 1000) throw err;
        // The number (or this order's invoice) was taken by another worker, or by an invoice whose
        // marker a crash left unwritten: mark the number if it is taken, then look again.
        const holder = await invoices.findOne({ number: doc.number });
        if (holder) await mark(holder.number, holder._id);
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
      }
    }
  }

  return {
    /**
     * One invoice per order, numbered without gaps: the number is the highest issued plus one, and the
     * unique indexes on `number` and `orderId` make the insert the single point of truth. A racing
     * issuer of the same number re-reads and retries; a retry of the same order returns its invoice.
     * No counter is incremented ahead of the insert, so a crash or retry can never burn a number.
     */
    issueInvoice: (input: IssueInput): Promise<IssuedInvoice> => numbering.run('number', () => issue(input)),

    /**
     * Compensation: voids the order's invoice. The number stays taken (a voided invoice keeps its place
     * in the sequence, which is what keeps the numbering gap-free). Safe to repeat; with no invoice there
     * is nothing to void.
     */
    async voidInvoice(input: {
      orderId: string;
      reason: string;
    }): Promise<{ invoiceId: string; number: number } | null> {
      const _id = invoiceIdFor(input.orderId);
      await invoices.updateOne(
        { _id, status: 'ISSUED' },
        { $set: { status: 'VOID', voidedAt: now(), voidReason: input.reason } },
      );
      const doc = await invoices.findOne({ _id });
      return doc && { invoiceId: doc._id, number: doc.number };
    },
  };
}
