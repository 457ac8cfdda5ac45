import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import { ORDER_STATUS, ORDER_TOTAL } from './search-attributes';
import { isBusinessCode, POLICIES } from './policies';
import type { createSagaActivities } from '../activities';
import type { NotificationKind } from '../activities/notifications';
import type { createProjectionActivities } from '../projections/activities';
import type { Channel, Customer, DataOf, OrderEvent, OrderEventType, OrderItem } from '../domain/events';
import { makeEvent } from '../domain/events';
import type { OrderState, OrderStatus } from '../domain/order';
import { evolve, isTerminal } from '../domain/order';
import {
  decideCancel,
  decidePayment,
  type CancelOrder,
  type Decision,
  type PayOrder,
  type Pending,
} from '../domain/commands';
import { formatMoney } from '../domain/money';

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

/** The full current state, with the commands accepted but not yet carried out. */
export type OrderSnapshot = OrderState & { pending: Pending };

export const getOrderQuery = defineQuery<OrderSnapshot | null>('getOrder');
/** Answers once the payment is recorded and the order completed, as the read models show it. */
export const payOrderUpdate = defineUpdate<OrderSnapshot, [PayOrder]>('payOrder');
/** Answers once the order has ended (cancelled, or whatever end it reached first) in the read models. */
export const cancelOrderUpdate = defineUpdate<OrderSnapshot, [CancelOrder]>('cancelOrder');

type Saga = ReturnType<typeof createSagaActivities>;

/**
 * The business steps: local activities since `projection-batches` (run by the saga's own worker inside
 * its workflow task, with no activity task to dispatch and record), ordinary ones before.
 */
const remoteSteps = proxyActivities<Saga>(POLICIES.businessStep);
// A wait of a second or more between attempts is a durable timer in the history, not a sleep in the
// worker: it survives a worker restart (and a time-skipping test skips it).
const localSteps = proxyLocalActivities<Saga>({ ...POLICIES.businessStep, localRetryThreshold: '1 second' });
const { releaseStock, voidInvoice } = proxyActivities<Saga>(POLICIES.compensation);
/**
 * Notifications: local activities since `local-notifications` (handing a message to the SMTP server
 * or the SMS gateway takes milliseconds; as ordinary activities they were a third of the server's work
 * per order), ordinary ones before. Retries from a second apart are durable timers, as above.
 */
const remoteNotifications = proxyActivities<Saga>(POLICIES.notification);
// One attempt each: the saga retries a local notification itself (`sendWithRetries`), so that what was
// recorded meanwhile goes to the projector before it waits between attempts.
const ONE_ATTEMPT = {
  ...POLICIES.notification,
  retry: { ...POLICIES.notification.retry, maximumAttempts: 1 },
};
const localNotifications = proxyLocalActivities<Saga>(ONE_ATTEMPT);

function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** A local notification that failed its last attempt: the cause, and how many attempts were made. */
class GaveUp extends Error {
  constructor(
    readonly last: unknown,
    readonly attempts: number,
  ) {
    super(describe(last));
  }
}

/** A notification refused for good (say, a number the gateway rejects): it stopped at that attempt. */
function refusedForGood(err: unknown): boolean {
  if (err instanceof ActivityFailure) return err.retryState === 'NON_RETRYABLE_FAILURE';
  // A local activity's non-retryable failure arrives as the ApplicationFailure itself.
  return err instanceof ApplicationFailure && err.nonRetryable === true;
}

function refusal(err: unknown): ApplicationFailure | null {
  // An ordinary activity's failure wraps its cause in an ActivityFailure; a local activity's
  // non-retryable failure reaches the workflow as the ApplicationFailure itself.
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && isBusinessCode(cause.type) ? cause : null;
}

/** Validators refuse with a typed failure: the API maps its type to 409 or 422, `field` to the body. */
function orRefuse(decision: Decision): void {
  if (!decision.accepted) {
    const { code, message, field } = decision.refusal;
    throw ApplicationFailure.nonRetryable(message, code, { field: field ?? null });
  }
}

/**
 * The order saga. Every step's outcome becomes a domain event: it is folded into the workflow state
 * (answered by the `getOrder` query) and handed to the projector, so the history is the event log.
 * Each step that changed something pushes its compensation; on cancel, timeout or failure they run in
 * reverse, so only what was done is undone.
 */
export async function orderWorkflow(input: PlaceOrderInput): Promise<OrderResult> {
  const { orderId, customer, items, paymentTerms } = input;
  const projection = { ...POLICIES.projection, taskQueue: input.projectionsTaskQueue };
  const { projectEvent, projectEvents, recordNotificationFailure } =
    proxyActivities<ReturnType<typeof createProjectionActivities>>(projection);
  // Runs started before this marker project each event before going on and run the business steps
  // as ordinary activities; newer runs hand events over in batches, off the saga's path (see `emit`).
  const batched = patched('projection-batches');
  const { reserveStock, issueInvoice } = batched ? localSteps : remoteSteps;
  // Checked only where batches are: a run from before them keeps its notifications remote.
  // Since `local-notifications`, the notifications are local activities too, and events recorded while
  // a local activity runs (its retries included) go to the projector together once none runs: one
  // batch for everything up to the invoice email, one for payment, completion and the receipt.
  const local = batched && patched('local-notifications');
  const { sendOrderEmail, sendOrderSms } = local ? localNotifications : remoteNotifications;
  let localRunning = 0;
  /**
   * Holds back the projection until the returned release is called (in a run with local
   * notifications); the pumper below sees the release at the end of the turn.
   */
  function hold(): () => void {
    if (!local) return () => undefined;
    localRunning++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      localRunning--;
    };
  }
  async function locally<T>(step: () => Promise<T>): Promise<T> {
    const release = hold();
    try {
      return await step();
    } finally {
      release();
    }
  }

  // --- setup: state, handlers -------------------------------------------------------------------
  let state: OrderState | null = null;
  let seq = 0;
  const pending: Pending = { payment: null, cancellation: null };
  const snapshot = (): OrderSnapshot => ({ ...(state as OrderState), pending: { ...pending } });
  // Read through a function: the handlers change `pending` between the saga's awaits.
  const cancellation = (): CancelOrder | null => pending.cancellation;
  const payment = (): PayOrder | null => pending.payment;
  let projectedUpTo = 0;
  let endSeq: number | null = null;
  /** The order has ended and its final event is in the read models: a command's caller reads its write. */
  const settled = () => endSeq !== null && projectedUpTo >= endSeq;

  // A command can reach the run in its first task, before `OrderPlaced` is recorded (a worker that was
  // down when the order was placed then cancelled): it is decided as of that first event.
  const placing = evolve(null, makeEvent('OrderPlaced', orderId, 1, new Date(), { customer, items }));
  const decidable = () => state ?? placing;

  setHandler(getOrderQuery, () => state && snapshot());
  setHandler(
    payOrderUpdate,
    async (cmd) => {
      pending.payment ??= cmd;
      await condition(settled);
      return snapshot();
    },
    { validator: (cmd: PayOrder) => orRefuse(decidePayment(decidable(), pending, cmd)) },
  );
  setHandler(
    cancelOrderUpdate,
    async (cmd) => {
      pending.cancellation ??= cmd;
      await condition(settled);
      return snapshot();
    },
    { validator: (_cmd: CancelOrder) => orRefuse(decideCancel(decidable(), pending)) },
  );

  // Events recorded but not yet handed to the projector, and the batch it is working on. One batch at
  // a time keeps them in seq order; whatever was recorded meanwhile goes in the next one.
  const outbox: OrderEvent[] = [];
  let projecting = false;
  let projectionFailure: Error | null = null;
  function pump(): void {
    // With local notifications the pumper below decides, once the workflow's turn is over.
    if (local || projecting || outbox.length === 0) return;
    startBatch();
  }
  function startBatch(): void {
    const batch = outbox.splice(0, outbox.length);
    const first = batch[0] as OrderEvent;
    const last = batch[batch.length - 1] as OrderEvent;
    const summary = `#${first.seq}${batch.length > 1 ? `–${last.seq}` : ''} ${batch.map((e) => e.type).join(', ')}`;
    projecting = true;
    projectEvents.executeWithOptions({ ...projection, summary }, [batch]).then(
      () => {
        projecting = false;
        projectedUpTo = last.seq;
        pump();
      },
      (err: unknown) => {
        // Projections retry without end; this is a cancellation or a bug: the run fails with it.
        projectionFailure = err instanceof Error ? err : new Error(String(err));
      },
    );
  }
  if (local) {
    // A condition is looked at only once the workflow has gone as far as it can in this turn (its
    // microtasks run), so a step that starts right after another ends still counts as running.
    void (async () => {
      for (;;) {
        await condition(() => !projecting && outbox.length > 0 && localRunning === 0);
        startBatch();
      }
    })();
  }
  /** Until every recorded event is in the read models. */
  async function projected(): Promise<void> {
    await condition(() => projectedUpTo >= seq || projectionFailure !== null);
    if (projectionFailure !== null) throw projectionFailure;
  }

  async function emit<T extends OrderEventType>(type: T, data: DataOf<T>): Promise<OrderState> {
    const event = makeEvent(type, orderId, ++seq, new Date(), data);
    const next = evolve(state, event);
    if (next.status !== state?.status || next.total !== state.total) {
      // Operators find orders by state in the Web UI: `OrderStatus="AWAITING_PAYMENT"`.
      upsertSearchAttributes([
        { key: ORDER_STATUS, value: next.status },
        { key: ORDER_TOTAL, value: next.total / 100 },
      ]);
      setCurrentDetails(details(next));
    }
    state = next;
    if (endSeq === null && isTerminal(next.status)) endSeq = event.seq;
    if (batched) {
      // The saga goes on while the projector works; a reader catches up at most one batch behind.
      outbox.push(event);
      pump();
      return next;
    }
    // The summary names the event in the Web UI's timeline of the run.
    await projectEvent.executeWithOptions({ ...projection, summary: `#${event.seq} ${type}` }, [event]);
    projectedUpTo = Math.max(projectedUpTo, event.seq);
    return next;
  }

  /**
   * A local notification with the notification policy's retries, run by the saga: each attempt is one
   * local activity; between attempts (durable timers) no local work is running, so what was recorded
   * so far goes to the projector rather than waiting for the message.
   */
  async function sendWithRetries(send: () => Promise<{ messageId: string }>): Promise<{ messageId: string }> {
    const { initialInterval, backoffCoefficient, maximumInterval, maximumAttempts } =
      POLICIES.notification.retry;
    let wait = msToNumber(initialInterval);
    for (let attempt = 1; ; attempt++) {
      try {
        return await locally(send);
      } catch (err) {
        if (refusedForGood(err) || attempt >= maximumAttempts) throw new GaveUp(err, attempt);
      }
      await sleep(wait);
      wait = Math.min(wait * backoffCoefficient, msToNumber(maximumInterval));
    }
  }

  /**
   * Tells the customer by email and, with a phone number, by SMS (both at once). Each channel retries
   * on its own; one that gives up becomes a dead letter for an operator to redrive. A notification
   * never fails the order.
   */
  async function notify(kind: NotificationKind, order: OrderState): Promise<void> {
    const channels: Channel[] = customer.phone ? ['email', 'sms'] : ['email'];
    const sends = channels.map((channel) => {
      const send = () =>
        (channel === 'email' ? sendOrderEmail : sendOrderSms).executeWithOptions(
          { ...(local ? ONE_ATTEMPT : POLICIES.notification), summary: `${channel} ${kind}` },
          [{ kind, order }],
        );
      return local ? sendWithRetries(send) : send();
    });
    const outcomes = await Promise.allSettled(sends);
    for (const [i, channel] of channels.entries()) {
      const outcome = outcomes[i] as PromiseSettledResult<{ messageId: string }>;
      const to = channel === 'email' ? customer.email : (customer.phone ?? '');
      if (outcome.status === 'fulfilled') {
        const { messageId } = outcome.value;
        if (kind === 'payment-reminder') {
          await emit('PaymentReminderSent', { channel, to, messageId, dueAt: order.invoice?.dueAt ?? '' });
        } else {
          await emit('NotificationSent', { channel, kind, to, messageId });
        }
        continue;
      }
      // A local notification's retries are the saga's: it says how many attempts it made.
      const gaveUp = outcome.reason instanceof GaveUp ? outcome.reason : null;
      const failure: unknown = gaveUp ? gaveUp.last : outcome.reason;
      const error = describe(failure);
      // A non-retryable refusal (say, a number the gateway rejects) stops at that attempt.
      const refused = refusedForGood(failure);
      const attempts = gaveUp?.attempts ?? (refused ? 1 : POLICIES.notification.retry.maximumAttempts);
      log.warn('notification failed', { orderId, kind, channel, error });
      await recordNotificationFailure.executeWithOptions(
        { ...projection, summary: `dead letter: ${channel} ${kind}` },
        [
          {
            kind,
            channel,
            to,
            order,
            attempts,
            refused,
            error,
            at: new Date().toISOString(),
          },
        ],
      );
    }
  }

  const compensations: { undo: (reason: string) => Promise<void> }[] = [];

  /** Undoes what was done, newest first, then ends the order and tells the customer. */
  async function compensate(end: 'OrderCancelled' | 'OrderFailed', reason: string): Promise<OrderResult> {
    for (const step of compensations.reverse()) await step.undo(reason);
    const last = await emit(end, { reason });
    await notify(end === 'OrderCancelled' ? 'order-cancelled' : 'order-failed', last);
    return finish(last);
  }

  async function finish(last: OrderState): Promise<OrderResult> {
    // The run closes once its whole log is in the read models and update callers have their answer.
    await projected();
    await condition(allHandlersFinished);
    return { orderId, status: last.status, reason: last.reason };
  }

  async function release(reason: string): Promise<void> {
    const { stock } = await releaseStock({ orderId, items });
    await emit('StockReleased', { reason, stock });
  }

  // --- run: the saga ------------------------------------------------------------------------------
  // The order-received message goes out while the stock is reserved, off the order's critical path;
  // its events are recorded before the reservation's outcome, so the log's order does not vary.
  // `OrderPlaced` goes to the projector with what the first local steps record, not on its own.
  const firstSteps = hold();
  const received = notify('order-received', await emit('OrderPlaced', { customer, items }));
  const stop = cancellation();
  if (stop) {
    firstSteps();
    await received;
    return compensate('OrderCancelled', stop.reason);
  }

  const reserving = locally(() => reserveStock({ orderId, items })).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  firstSteps();
  const reservation = await reserving;
  await received;
  if (!reservation.ok) {
    const err = reservation.error;
    const refused = refusal(err);
    if (refused) {
      const rejected = await emit('OrderRejected', {
        code: refused.type ?? 'REJECTED',
        reason: refused.message,
      });
      await notify('order-rejected', rejected);
      return finish(rejected);
    }
    // Not a business refusal and out of retries: a partial hold may exist, so release by order id.
    compensations.push({ undo: () => release('reservation-failed') });
    return compensate('OrderFailed', `reservation failed: ${describe(err)}`);
  }
  const reserved = reservation.value;
  compensations.push({ undo: release });
  await emit('StockReserved', reserved);
  const stopAfterReserve = cancellation();
  if (stopAfterReserve) return compensate('OrderCancelled', stopAfterReserve.reason);

  const dueAt = new Date(Date.now() + paymentTerms.dueAfterMs);
  let invoice;
  try {
    invoice = await locally(() =>
      issueInvoice({ orderId, customerId: customer.id, ...reserved, dueAt: dueAt.toISOString() }),
    );
  } catch (err) {
    return compensate('OrderFailed', `invoice failed: ${describe(err)}`);
  }
  compensations.push({
    undo: async (reason) => {
      const voided = await voidInvoice({ orderId, reason });
      if (voided) await emit('InvoiceVoided', { ...voided, reason });
    },
  });
  const invoiced = await emit('InvoiceIssued', invoice);
  await notify('order-confirmed', invoiced);

  // Wait for the payment or a cancellation; remind once; at the due date cancel.
  const decided = () => payment() !== null || cancellation() !== null;
  if (!(await condition(decided, paymentTerms.reminderAfterMs))) {
    await notify('payment-reminder', state ?? invoiced);
    const left = dueAt.getTime() - Date.now();
    if (left > 0) await condition(decided, left);
  }
  const paid = payment();
  if (paid === null) return compensate('OrderCancelled', cancellation()?.reason ?? 'payment-timeout');

  const { reference, amount, currency } = paid;
  await emit('PaymentReceived', { reference, amount, currency });
  const completed = await emit('OrderCompleted', {});
  await notify('order-paid', completed);
  return finish(completed);
}

/** What the Web UI shows as the run's current details. */
function details(s: OrderState): string {
  const money = formatMoney({ amount: s.total, currency: s.currency ?? 'EUR' });
  switch (s.status) {
    case 'AWAITING_PAYMENT':
      return `Awaiting payment of ${money} (invoice ${s.invoice?.number ?? '?'}) until ${s.invoice?.dueAt ?? '?'}`;
    case 'REJECTED':
    case 'CANCELLED':
    case 'FAILED':
      return `${s.status}: ${s.reason ?? ''}`;
    default:
      return `${s.status}, ${money}`;
  }
}
