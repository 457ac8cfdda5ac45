import type { Db } from 'mongodb';
import { ensureInvoiceIndexes } from './invoices/view';
import { ensureOrderIndexes } from './orders/view';
import { ensureNotificationIndexes } from './notifications/view';
import { ensureOrdersWithInvoicesIndexes } from './orders-with-invoices/view';
import { ensureDeliveryIndexes } from './webhook-deliveries/view';
import { ensureDeadLetterIndexes } from './dead-letters/view';

/** The indexes the read models' queries need; safe to run on every start. */
export async function ensureReadModelIndexes(db: Db): Promise<void> {
  await ensureOrderIndexes(db);
  await ensureInvoiceIndexes(db);
  await ensureOrdersWithInvoicesIndexes(db);
  await ensureNotificationIndexes(db);
  await ensureDeliveryIndexes(db);
  await ensureDeadLetterIndexes(db);
}
