/** One notification per customer-facing moment of the saga, by email and (with a phone) by SMS. */
export type NotificationKind =
  | 'order-received'
  | 'order-confirmed'
  | 'order-rejected'
  | 'payment-reminder'
  | 'order-paid'
  | 'order-cancelled'
  | 'order-failed';
