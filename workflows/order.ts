import { CancellationScope, condition } from '@temporalio/workflow';
import type { Customer, OrderItem } from '../domain/events';
import { makeEvent } from '../domain/events';
import { evolve, type OrderState, type OrderStatus } from '../domain/order';
import type { PayOrder } from '../domain/commands';
import { POLICIES } from './policies';
import { PAYMENT_TIMEOUT } from '../domain/reasons';
import { businessRefusal, businessSteps, describeFailure } from './order-steps';
import { releaseStockOf, voidInvoiceOf } from './order-undo';
import { Compensations } from './compensations';
import { OrderCommands } from './order-commands';
import { OrderLog } from './order-log';
import { OrderNotifier } from './order-notifier';
import { ProjectionOutbox } from './projection-outbox';

export {
  cancelOrderUpdate,
  getOrderQuery,
  OPERATOR_CANCELLATION,
  payOrderUpdate,
  type OrderSnapshot,
} from './order-commands';

/** When payment is due after the invoice, and when the reminder goes out (both from config). */
export interface PaymentTerms {
  dueAfterMs: number;
  reminderAfterMs: number;
}

export interface PlaceOrderInput {
  orderId: string;
  customer: Customer;
  items: OrderItem[];
  paymentTerms: PaymentTerms;
  /** task queue of the projector worker */
  projectionsTaskQueue: string;
}

export interface OrderResult {
  orderId: string;
  status: OrderStatus;
  reason: string | null;
}

type Ending = 'OrderCancelled' | 'OrderFailed';

/**
 * The order saga. Every step's outcome is a domain event in the order's log (the run's history),
 * folded into its state and handed to the projector. Each step registers its undo; a cancellation,
 * the due date or a failed step runs them newest first, so only what was done is undone.
 *
 * The saga runs shielded from Temporal's cancellation: an operator's cancel request is a cancellation
 * command like the API's (see `OrderCommands`), so the order is compensated and ends CANCELLED.
 */
export async function orderWorkflow(input: PlaceOrderInput): Promise<OrderResult> {
  const saga = new OrderSaga(input);
  saga.listen();
  return CancellationScope.nonCancellable(() => saga.run());
}

class OrderSaga {
  private readonly outbox: ProjectionOutbox;
  private readonly log: OrderLog;
  private readonly commands: OrderCommands;
  private readonly notifier: OrderNotifier;
  private readonly compensations = new Compensations();

  constructor(private readonly input: PlaceOrderInput) {
    const { orderId, customer, items, projectionsTaskQueue } = input;
    const projection = { ...POLICIES.projection, taskQueue: projectionsTaskQueue };
    this.outbox = new ProjectionOutbox(projection);
    this.log = new OrderLog(orderId, this.outbox);
    // A command can reach the run in its first task, before `OrderPlaced` is recorded: it is decided
    // as of that first event.
    const placing = evolve(null, makeEvent('OrderPlaced', orderId, 1, new Date(), { customer, items }));
    this.commands = new OrderCommands(this.log, placing);
    this.notifier = new OrderNotifier(customer, this.log, this.outbox, projection);
  }

  listen(): void {
    this.commands.listen();
  }

  async run(): Promise<OrderResult> {
    void this.outbox.pumpForever();
    const { customer, items } = this.input;
    // The order-received message goes out while the stock is reserved, off the critical path; its
    // events are recorded before the reservation's outcome, so the log's order does not vary.
    const received = this.notifier.notify(
      'order-received',
      this.log.record('OrderPlaced', { customer, items }),
    );
    const early = this.commands.cancellation();
    if (early) {
      await received;
      return this.end('OrderCancelled', early.reason);
    }
    const reservation = await this.reserve();
    await received;
    if (!reservation.ok) return this.refuseOrFail(reservation.error);
    this.log.record('StockReserved', reservation.reserved);
    const cancelled = this.commands.cancellation();
    if (cancelled) return this.end('OrderCancelled', cancelled.reason);

    const dueAt = new Date(Date.now() + this.input.paymentTerms.dueAfterMs);
    const invoice = await this.issueInvoice(reservation.reserved, dueAt);
    if (!invoice.ok) return this.end('OrderFailed', `invoice failed: ${describeFailure(invoice.error)}`);
    await this.notifier.notify('order-confirmed', this.log.record('InvoiceIssued', invoice.issued));

    const paid = await this.awaitPayment(dueAt);
    if (paid === null) {
      return this.end('OrderCancelled', this.commands.cancellation()?.reason ?? PAYMENT_TIMEOUT);
    }
    const { reference, amount, currency } = paid;
    this.log.record('PaymentReceived', { reference, amount, currency });
    const completed = this.log.record('OrderCompleted', {});
    await this.notifier.notify('order-paid', completed);
    return this.finish(completed);
  }

  // --- the steps -------------------------------------------------------------------------------

  private async reserve() {
    const { orderId, items } = this.input;
    // Registered first: a reservation that fails half-way may hold part of the stock.
    this.compensations.register(releaseStockOf(this.log, orderId, items));
    try {
      const reserved = await this.outbox.aroundLocalStep(() =>
        businessSteps.reserveStock({ orderId, items }),
      );
      return { ok: true as const, reserved };
    } catch (error) {
      return { ok: false as const, error };
    }
  }

  private async issueInvoice(reserved: Awaited<ReturnType<typeof businessSteps.reserveStock>>, dueAt: Date) {
    const { orderId, customer } = this.input;
    // Registered first: an invoice inserted by an attempt whose step then failed is voided too.
    this.compensations.register(voidInvoiceOf(this.log, orderId));
    const { lines, total, currency } = reserved;
    const request = { orderId, customerId: customer.id, lines, total, currency, dueAt: dueAt.toISOString() };
    try {
      return {
        ok: true as const,
        issued: await this.outbox.aroundLocalStep(() => businessSteps.issueInvoice(request)),
      };
    } catch (error) {
      return { ok: false as const, error };
    }
  }

  /** A business refusal rejects the order (the step rolled back its own holds); anything else fails it. */
  private async refuseOrFail(error: unknown): Promise<OrderResult> {
    const refused = businessRefusal(error);
    if (refused === null) return this.end('OrderFailed', `reservation failed: ${describeFailure(error)}`);
    const rejected = this.log.record('OrderRejected', {
      code: refused.type ?? 'REJECTED',
      reason: refused.message,
    });
    await this.notifier.notify('order-rejected', rejected);
    return this.finish(rejected);
  }

  /** The payment, or null when the order was cancelled or the due date passed; reminds once half-way. */
  private async awaitPayment(dueAt: Date): Promise<PayOrder | null> {
    const decided = () => this.commands.payment() !== null || this.commands.cancellation() !== null;
    if (!(await condition(decided, this.input.paymentTerms.reminderAfterMs))) {
      await this.notifier.notify('payment-reminder', this.log.state as OrderState);
      const left = dueAt.getTime() - Date.now();
      if (left > 0) await condition(decided, left);
    }
    // A payment accepted in the same turn as the due date counts: it was answered as accepted.
    return this.commands.payment();
  }

  // --- the ends --------------------------------------------------------------------------------

  /** Undoes what was done, newest first, then ends the order and tells the customer. */
  private async end(ending: Ending, reason: string): Promise<OrderResult> {
    // Before anything is undone: a payment arriving from now on is refused, not lost.
    this.commands.close({ end: ending === 'OrderCancelled' ? 'CANCELLED' : 'FAILED', reason });
    await this.compensations.runNewestFirst(reason);
    const last = this.log.record(ending, { reason });
    await this.notifier.notify(ending === 'OrderCancelled' ? 'order-cancelled' : 'order-failed', last);
    return this.finish(last);
  }

  /** The run closes once its whole log is in the read models and every Update caller has its answer. */
  private async finish(last: OrderState): Promise<OrderResult> {
    await this.outbox.projected(this.log.lastSeq);
    await this.commands.handlersFinished();
    return { orderId: this.input.orderId, status: last.status, reason: last.reason };
  }
}
