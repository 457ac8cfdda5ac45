import type { OrderItem } from '../domain/events';
import type { Undo } from './compensations';
import type { OrderLog } from './order-log';
import { compensationSteps } from './order-steps';

/**
 * Voids the order's invoice, if it has one, and records it. Safe when there is none (the step failed
 * before storing it) and when it is void already.
 */
export const voidInvoiceOf =
  (log: OrderLog, orderId: string): Undo =>
  async (reason) => {
    const voided = await compensationSteps.voidInvoice({ orderId, reason });
    if (voided) log.record('InvoiceVoided', { ...voided, reason });
  };

/** Releases whatever stock the order holds (all, part or none of it) and records it. */
export const releaseStockOf =
  (log: OrderLog, orderId: string, items: OrderItem[]): Undo =>
  async (reason) => {
    const { stock } = await compensationSteps.releaseStock({ orderId, items });
    log.record('StockReleased', { reason, stock });
  };
