import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import { KeyedLock } from '../infra/keyed-lock';
import { customersCollection, evolveCustomer } from './customers/view';
import { invoicesCollection, invoiceView } from './invoices/view';
import { applyToOrders, toState } from './orders/mongo';
import { writeOrderToRedis } from './orders/redis';
import { orderWithInvoice, ordersWithInvoicesCollection } from './orders-with-invoices/view';
import { replaceIfNewer } from './upsert';
import { applyStockSnapshot } from './products/view';

export interface ProjectionDeps {
  db: Db;
  redis: Redis;
  now?: () => Date;
}

/** Activities of the projector worker (task queue `projections`). */
export function createProjectionActivities({ db, redis, now = () => new Date() }: ProjectionDeps) {
  // One customer's view is read, changed and written back: within this worker, one order at a time.
  const customerLock = new KeyedLock();
  const productLock = new KeyedLock();

  return {
    /**
     * MongoDB `orders` first (the read model of record, which decides applied / duplicate / gap), then
     * the views derived from the same fold, then the Redis copies; every write is idempotent and never
     * goes backwards, so a duplicate may safely redo them (it may follow a crash between two writes).
     */
    async projectEvent(event: OrderEvent): Promise<{ outcome: 'applied' | 'duplicate' }> {
      if (event.type === 'StockReserved' || event.type === 'StockReleased') {
        // Orders of one SKU project concurrently; one SKU's snapshots are applied one at a time here,
        // because FerretDB does not make the conditional replace atomic (MongoDB does).
        for (const snapshot of event.data.stock) {
          await productLock.run(snapshot.sku, () => applyStockSnapshot(db, redis, snapshot, now()));
        }
      }
      const { outcome, doc } = await applyToOrders(db, event, now());
      if (!doc) return { outcome };
      const order = toState(doc);
      const at = doc.projectedAt;
      const invoice = invoiceView(order, at);
      if (invoice) await replaceIfNewer(invoicesCollection(db), invoice);
      await replaceIfNewer(ordersWithInvoicesCollection(db), orderWithInvoice(order, invoice, at));
      await customerLock.run(order.customer.id, async () => {
        const customers = customersCollection(db);
        const current = await customers.findOne({ _id: order.customer.id });
        const next = evolveCustomer(current, order, at);
        if (next.version > (current?.version ?? 0)) await replaceIfNewer(customers, next);
      });
      await writeOrderToRedis(redis, doc);
      return { outcome };
    },
  };
}
