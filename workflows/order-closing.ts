import { ApplicationFailure, CancellationScope, setHandler } from '@temporalio/workflow';
import type { OrderEvent } from '../domain/events';
import { isTerminal, type OrderState } from '../domain/order';
import { ErrorCode } from '../domain/errors';
import type { Closing } from '../domain/commands';
import { POLICIES } from './policies';
import { reconciledReason } from '../domain/reasons';
import { cancelOrderUpdate, getOrderQuery, payOrderUpdate } from './order-commands';
import { OrderLog } from './order-log';
import { OrderNotifier } from './order-notifier';
import { releaseStockOf, voidInvoiceOf } from './order-undo';
import { ProjectionOutbox } from './projection-outbox';
import type { OrderResult, PlaceOrderInput } from './order';

/** An order run that closed without ending its order: what it was started with, recorded, and how it closed. */
export interface AbandonedRun {
  /** the run's own input */
  order: PlaceOrderInput;
  /** the events its history holds, in seq order */
  events: OrderEvent[];
  runId: string;
  /** how Temporal closed it: TERMINATED, FAILED, TIMED_OUT, CANCELLED */
  status: string;
}

/** A terminated or cancelled run was an operator's doing; a failed or timed-out one was not. */
function closingOf(run: AbandonedRun): Closing {
  const reason = reconciledReason(run.status);
  return { end: run.status === 'TERMINATED' || run.status === 'CANCELLED' ? 'CANCELLED' : 'FAILED', reason };
}

/**
 * Ends an order whose run closed without ending it (Web UI "Terminate", a reset gone wrong, a bug):
 * started by the reconciliation under the order's workflow id once that run has closed. It carries on
 * the run's log; a paid order completes; anything else has its invoice voided and its stock released
 * (whatever the run did, recorded or not: both are safe when there is nothing to undo), then ends
 * CANCELLED (terminated) or FAILED, and the customer is told.
 */
export async function closeAbandonedOrderWorkflow(run: AbandonedRun): Promise<OrderResult> {
  const { orderId, customer, items, projectionsTaskQueue } = run.order;
  const projection = { ...POLICIES.projection, taskQueue: projectionsTaskQueue };
  const outbox = new ProjectionOutbox(projection);
  const log = new OrderLog(orderId, outbox);
  const notifier = new OrderNotifier(customer, log, outbox, projection);
  const closing = closingOf(run);
  answerWhileClosing(log, closing);
  log.carryOn(run.events);
  void CancellationScope.nonCancellable(() => outbox.pumpForever());

  const end = await CancellationScope.nonCancellable(async (): Promise<OrderState> => {
    // A run stopped in its first task recorded nothing; the order was placed all the same.
    const placed = log.state ?? log.record('OrderPlaced', { customer, items });
    if (isTerminal(placed.status)) return placed;
    if (placed.status === 'PAID') {
      const completed = log.record('OrderCompleted', {});
      await notifier.notify('order-paid', completed);
      return completed;
    }
    await voidInvoiceOf(log, orderId)(closing.reason);
    await releaseStockOf(log, orderId, items)(closing.reason);
    const ended = log.record(closing.end === 'CANCELLED' ? 'OrderCancelled' : 'OrderFailed', {
      reason: closing.reason,
    });
    await notifier.notify(closing.end === 'CANCELLED' ? 'order-cancelled' : 'order-failed', ended);
    return ended;
  });
  await outbox.projected(log.lastSeq);
  return { orderId, status: end.status, reason: end.reason };
}

/** A strong read sees the order being closed; a payment or a cancellation is refused meanwhile. */
function answerWhileClosing(log: OrderLog, closing: Closing): void {
  const pending = { payment: null, cancellation: null, closing };
  setHandler(getOrderQuery, () => log.state && { ...log.state, pending });
  const refuse = (_cmd: unknown): never => {
    throw ApplicationFailure.nonRetryable(`order is being closed (${closing.reason})`, ErrorCode.OrderClosed);
  };
  setHandler(payOrderUpdate, refuse, { validator: refuse });
  setHandler(cancelOrderUpdate, refuse, { validator: refuse });
}
