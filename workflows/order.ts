import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { ORDER_STATUS, ORDER_TOTAL } from './search-attributes';
import type { createSagaActivities } from '../activities';
import type { createProjectionActivities } from '../projections/activities';
import type { Customer, DataOf, OrderEventType, OrderItem } from '../domain/events';
import { makeEvent } from '../domain/events';
import type { OrderState, OrderStatus } from '../domain/order';
import { evolve } from '../domain/order';
import { ErrorCode } from '../domain/errors';

export interface PlaceOrderInput {
  orderId: string;
  customer: Customer;
  items: OrderItem[];
  /** task queue of the projector worker */
  projectionsTaskQueue: string;
}

export interface OrderResult {
  orderId: string;
  status: OrderStatus;
  reason: string | null;
}

export const getOrderQuery = defineQuery<OrderState | null>('getOrder');

type Saga = ReturnType<typeof createSagaActivities>;

// Business steps: a few quick retries; business refusals are non-retryable failures and stop at once.
const { reserveStock, issueInvoice } = proxyActivities<Saga>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
// Compensations retry until they succeed (they are idempotent).
const { releaseStock } = proxyActivities<Saga>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { sendOrderEmail } = proxyActivities<Saga>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

const BUSINESS_CODES: readonly string[] = [
  ErrorCode.UnknownSku,
  ErrorCode.InsufficientStock,
  ErrorCode.MixedCurrency,
];

function businessFailure(err: unknown): ApplicationFailure | null {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    const type = err.cause.type ?? '';
    if (BUSINESS_CODES.includes(type)) return err.cause;
  }
  return null;
}

function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The order saga. Every step's outcome becomes a domain event: it is kept in the workflow state
 * (answered by the `getOrder` query) and handed to the projector, so the history is the event log.
 */
export async function orderWorkflow(input: PlaceOrderInput): Promise<OrderResult> {
  const { orderId, customer } = input;
  const { projectEvent } = proxyActivities<ReturnType<typeof createProjectionActivities>>({
    taskQueue: input.projectionsTaskQueue,
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '100 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  });
  let state: OrderState | null = null;
  let seq = 0;
  setHandler(getOrderQuery, () => state);

  async function emit<T extends OrderEventType>(type: T, data: DataOf<T>): Promise<OrderState> {
    const event = makeEvent(type, orderId, ++seq, new Date(), data);
    const next = evolve(state, event);
    if (next.status !== state?.status || next.total !== state.total) {
      // Operators find orders by state in the Web UI: `OrderStatus="REJECTED"`.
      upsertSearchAttributes([
        { key: ORDER_STATUS, value: next.status },
        { key: ORDER_TOTAL, value: next.total / 100 },
      ]);
    }
    state = next;
    await projectEvent(event);
    return next;
  }

  async function notify(kind: 'order-confirmed' | 'order-rejected', snapshot: OrderState) {
    try {
      const sent = await sendOrderEmail({ kind, order: snapshot });
      await emit('NotificationSent', { channel: 'email', kind, to: customer.email, ...sent });
    } catch (err) {
      // A notification never fails the order; dead-lettering comes with the notifications issue.
      log.warn('notification failed', { orderId, kind, error: describe(err) });
    }
  }

  function result(s: OrderState): OrderResult {
    return { orderId, status: s.status, reason: s.reason };
  }

  await emit('OrderPlaced', { customer, items: input.items });

  let reserved;
  try {
    reserved = await reserveStock({ orderId, items: input.items });
  } catch (err) {
    const refusal = businessFailure(err);
    if (!refusal) {
      // Not a business refusal and out of retries: undo any partial hold, then fail the order.
      await releaseStock({ orderId, items: input.items });
      await emit('StockReleased', { reason: 'reservation-failed' });
      return result(await emit('OrderFailed', { reason: `reservation failed: ${describe(err)}` }));
    }
    const rejected = await emit('OrderRejected', {
      code: refusal.type ?? 'REJECTED',
      reason: refusal.message,
    });
    await notify('order-rejected', rejected);
    return result(rejected);
  }
  await emit('StockReserved', reserved);

  let invoice;
  try {
    invoice = await issueInvoice({ orderId, customerId: customer.id, ...reserved });
  } catch (err) {
    await releaseStock({ orderId, items: input.items });
    await emit('StockReleased', { reason: 'invoice-failed' });
    return result(await emit('OrderFailed', { reason: `invoice failed: ${describe(err)}` }));
  }
  const invoiced = await emit('InvoiceIssued', invoice);
  await notify('order-confirmed', invoiced);
  return result(await emit('OrderCompleted', {}));
}
