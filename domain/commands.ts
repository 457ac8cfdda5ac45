import { ErrorCode, type Refusal } from './errors';
import { formatMoney } from './money';
import { isTerminal, type OrderState } from './order';

/** Commands sent to a running order (Temporal Updates). Amounts are integer minor units. */
export interface PayOrder {
  amount: number;
  currency: string;
  reference: string;
}

export interface CancelOrder {
  reason: string;
}

/** How an order that has started to end will end, and why. */
export interface Closing {
  end: 'CANCELLED' | 'FAILED';
  reason: string;
}

/** Commands accepted by the workflow but not yet turned into events, and whether the order is ending. */
export interface Pending {
  payment: PayOrder | null;
  cancellation: CancelOrder | null;
  /**
   * Set the moment the saga starts to end the order (a cancellation, the due date, a failed step),
   * before it undoes anything: from then on a payment is refused.
   */
  closing: Closing | null;
}

export const NOTHING_PENDING: Pending = { payment: null, cancellation: null, closing: null };

/** `duplicate`: the same command was accepted before and answers with the same outcome. */
export type Decision = { accepted: true; duplicate: boolean } | { accepted: false; refusal: Refusal };

const accept = (duplicate = false): Decision => ({ accepted: true, duplicate });
const refuse = (code: ErrorCode, message: string, field?: string): Decision => ({
  accepted: false,
  refusal: field === undefined ? { code, message } : { code, message, field },
});

/**
 * A payment is accepted only while the order awaits one, only for the exact invoice total and currency;
 * the same reference again is the same payment (accepted, nothing new happens).
 */
export function decidePayment(state: OrderState | null, pending: Pending, cmd: PayOrder): Decision {
  const paid = pending.payment ?? state?.payment ?? null;
  if (paid) {
    if (paid.reference !== cmd.reference) {
      return refuse(ErrorCode.NotAwaitingPayment, `order is already paid (reference ${paid.reference})`);
    }
    if (paid.amount !== cmd.amount || paid.currency !== cmd.currency) {
      return refuse(
        ErrorCode.PaymentMismatch,
        `reference ${cmd.reference} was already used for a payment of ${formatMoney(paid)}`,
        'reference',
      );
    }
    return accept(true);
  }
  if (pending.closing) {
    const { end, reason } = pending.closing;
    const ending = end === 'CANCELLED' ? 'being cancelled' : 'failing';
    return refuse(
      ErrorCode.NotAwaitingPayment,
      `order is ${ending} (${reason}); it does not await a payment`,
    );
  }
  if (state === null || state.status !== 'AWAITING_PAYMENT' || pending.cancellation) {
    const status = pending.cancellation ? 'being cancelled' : (state?.status ?? 'unknown');
    return refuse(ErrorCode.NotAwaitingPayment, `order is ${status}; it does not await a payment`);
  }
  const currency = state.currency ?? '';
  if (cmd.currency !== currency) {
    return refuse(ErrorCode.PaymentMismatch, `must be the invoice currency ${currency}`, 'currency');
  }
  if (cmd.amount !== state.total) {
    return refuse(
      ErrorCode.PaymentMismatch,
      `must be the invoice total ${state.total} (${formatMoney({ amount: state.total, currency })})`,
      'amount',
    );
  }
  return accept();
}

/**
 * A cancellation is accepted until the order is paid; asking again while it is cancelled, or being
 * cancelled for another reason (the due date), is the same one.
 */
export function decideCancel(state: OrderState | null, pending: Pending): Decision {
  if (pending.cancellation || pending.closing?.end === 'CANCELLED' || state?.status === 'CANCELLED') {
    return accept(true);
  }
  if (pending.closing) {
    return refuse(
      ErrorCode.OrderClosed,
      `order is failing (${pending.closing.reason}); there is nothing to cancel`,
    );
  }
  if (pending.payment || state?.status === 'PAID' || state?.status === 'COMPLETED') {
    return refuse(ErrorCode.AlreadyPaid, 'order is paid; it can no longer be cancelled');
  }
  if (state === null || isTerminal(state.status)) {
    return refuse(
      ErrorCode.OrderClosed,
      `order is ${state?.status ?? 'unknown'}; there is nothing to cancel`,
    );
  }
  return accept();
}
