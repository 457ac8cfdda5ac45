/** Reasons the system itself ends an order with (the customer's own are their words, kept as given). */
export const PAYMENT_TIMEOUT = 'payment-timeout';
/** An operator's cancel request through Temporal (Web UI, CLI). */
export const OPERATOR_CANCELLATION = 'cancelled by an operator (Temporal cancel request)';
const RECONCILED = 'closed by the reconciliation';

/** The reconciliation closing an order whose run Temporal ended as `status` (TERMINATED, FAILED…). */
export const reconciledReason = (status: string): string =>
  `run ${status.toLowerCase().replace('_', ' ')} in Temporal; ${RECONCILED}`;

/** What the customer reads of why their order was cancelled: a plain sentence for the system's reasons. */
export function reasonForCustomer(reason: string | null): string {
  if (reason === PAYMENT_TIMEOUT) return 'the payment did not arrive by the due date';
  if (reason === OPERATOR_CANCELLATION || reason?.endsWith(RECONCILED))
    return 'it was cancelled by our staff';
  return reason ?? 'not given';
}
