/** Business error codes: ApplicationFailure types on the write side, mapped to HTTP statuses by the API. */
export const ErrorCode = {
  UnknownSku: 'UNKNOWN_SKU',
  InsufficientStock: 'INSUFFICIENT_STOCK',
  MixedCurrency: 'MIXED_CURRENCY',
  /** the order's total cannot be paid: nothing to pay, or more than one payment may carry */
  TotalNotPayable: 'ORDER_TOTAL_NOT_PAYABLE',
  /** the amount or currency of a payment is not the invoice's */
  PaymentMismatch: 'PAYMENT_MISMATCH',
  /** a payment for an order that is not (or no longer) awaiting one */
  NotAwaitingPayment: 'ORDER_NOT_AWAITING_PAYMENT',
  /** a cancellation of an order that was paid */
  AlreadyPaid: 'ORDER_ALREADY_PAID',
  /** a command for an order that has ended (rejected, failed) */
  OrderClosed: 'ORDER_CLOSED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A command refused by the domain; `field` names the offending input when there is one. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  field?: string;
}
