import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineUpdate,
  log,
  setHandler,
} from '@temporalio/workflow';
import {
  decideCancel,
  decidePayment,
  type CancelOrder,
  type Closing,
  type Decision,
  type PayOrder,
  type Pending,
} from '../domain/commands';
import type { OrderState } from '../domain/order';
import type { OrderLog } from './order-log';
import { OPERATOR_CANCELLATION } from '../domain/reasons';

/** The full current state, with the commands accepted but not yet carried out. */
export type OrderSnapshot = OrderState & { pending: Pending };

export const getOrderQuery = defineQuery<OrderSnapshot | null>('getOrder');
/** Answers once the payment is recorded and the order completed, as the read models show it. */
export const payOrderUpdate = defineUpdate<OrderSnapshot, [PayOrder]>('payOrder');
/** Answers once the order has ended (cancelled, or whatever end it reached first) in the read models. */
export const cancelOrderUpdate = defineUpdate<OrderSnapshot, [CancelOrder]>('cancelOrder');

export { OPERATOR_CANCELLATION };

/** Validators refuse with a typed failure: the API maps its type to 409 or 422, `field` to the body. */
function orRefuse(decision: Decision): void {
  if (!decision.accepted) {
    const { code, message, field } = decision.refusal;
    throw ApplicationFailure.nonRetryable(message, code, { field: field ?? null });
  }
}

/**
 * What the outside asks of a running order: the `getOrder` query, the payment and cancellation
 * Updates (decided by the pure `decidePayment` / `decideCancel`), and an operator's cancel request
 * through Temporal, which is a cancellation like the API's. The saga reads what was accepted here.
 */
export class OrderCommands {
  private readonly pending: Pending = { payment: null, cancellation: null, closing: null };

  /** `placing`: the order as of `OrderPlaced`, for a command that reaches the run before it is recorded. */
  constructor(
    private readonly log: OrderLog,
    private readonly placing: OrderState,
  ) {}

  /** Read through a method: the handlers change it between the saga's awaits. */
  payment(): PayOrder | null {
    return this.pending.payment;
  }

  cancellation(): CancelOrder | null {
    return this.pending.cancellation;
  }

  /** The order starts to end: from here on a payment is refused. */
  close(closing: Closing): void {
    this.pending.closing ??= closing;
  }

  /** Registers the handlers; call it at the start of the run, outside any scope of its own. */
  listen(): void {
    setHandler(getOrderQuery, () => this.snapshot());
    setHandler(payOrderUpdate, (cmd) => this.pay(cmd), {
      validator: (cmd: PayOrder) => orRefuse(decidePayment(this.decidable(), this.pending, cmd)),
    });
    setHandler(cancelOrderUpdate, (cmd) => this.cancel(cmd), {
      validator: (_cmd: CancelOrder) => orRefuse(decideCancel(this.decidable(), this.pending)),
    });
    this.listenForOperatorCancel();
  }

  /** Until every Update handler has answered: a run that closes before would leave a caller without one. */
  async handlersFinished(): Promise<void> {
    await condition(allHandlersFinished);
  }

  private snapshot(): OrderSnapshot | null {
    const state = this.log.state;
    return state && { ...state, pending: { ...this.pending } };
  }

  private decidable(): OrderState {
    return this.log.state ?? this.placing;
  }

  private async pay(cmd: PayOrder): Promise<OrderSnapshot> {
    this.pending.payment ??= cmd;
    return this.answerOnceSettled();
  }

  private async cancel(cmd: CancelOrder): Promise<OrderSnapshot> {
    this.pending.cancellation ??= cmd;
    return this.answerOnceSettled();
  }

  /** An operator's cancel request must not cancel the wait of a caller who is owed an answer. */
  private async answerOnceSettled(): Promise<OrderSnapshot> {
    await CancellationScope.nonCancellable(() => condition(() => this.log.settled));
    return this.snapshot() as OrderSnapshot;
  }

  /**
   * Temporal's cancel request (the Web UI's "Request Cancellation", `temporal workflow cancel`) is
   * taken as a cancellation command: the saga, which runs shielded from it, undoes what was done and
   * ends the order CANCELLED. A request the order cannot take (it is paid, or failing) is logged and
   * the order goes on to its end.
   */
  private listenForOperatorCancel(): void {
    const root = CancellationScope.current();
    const take = () => {
      const decision = decideCancel(this.decidable(), this.pending);
      if (decision.accepted) this.pending.cancellation ??= { reason: OPERATOR_CANCELLATION };
      else log.warn('operator cancellation not taken', { reason: decision.refusal.message });
    };
    // Requested before the run began: the first task has the request already.
    if (root.consideredCancelled) take();
    else root.cancelRequested.catch(take);
  }
}
