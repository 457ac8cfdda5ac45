import type { Customer, OrderEvent, OrderItem, OrderLine } from './events';

export type OrderStatus =
  'PLACED' | 'RESERVED' | 'AWAITING_PAYMENT' | 'PAID' | 'COMPLETED' | 'REJECTED' | 'CANCELLED' | 'FAILED';

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'REJECTED', 'CANCELLED', 'FAILED'];
export const isTerminal = (status: OrderStatus): boolean => TERMINAL_STATUSES.includes(status);

/** An event as the order's timeline keeps it: without its order id and schema version; by `type`, its data's. */
export type TimelineEntry = OrderEvent extends infer E
  ? E extends OrderEvent
    ? Omit<E, 'orderId' | 'version'>
    : never
  : never;

export const entryOf = ({ orderId: _orderId, version: _version, ...entry }: OrderEvent): TimelineEntry =>
  entry;

/** The event a timeline entry of order `orderId` was. */
export const eventOf = (entry: TimelineEntry, orderId: string): OrderEvent => ({
  ...entry,
  orderId,
  version: 1,
});

/** The order as a fold of its events: the same function serves the saga and the read models. */
export interface OrderState {
  orderId: string;
  status: OrderStatus;
  customer: Customer;
  items: OrderItem[];
  lines: OrderLine[];
  total: number;
  currency: string | null;
  invoice: { invoiceId: string; number: number; dueAt: string; status: 'ISSUED' | 'PAID' | 'VOID' } | null;
  payment: { reference: string; amount: number; currency: string; receivedAt: string } | null;
  reason: string | null;
  placedAt: string;
  updatedAt: string;
  /** seq of the last applied event */
  version: number;
  timeline: TimelineEntry[];
}

export function evolve(state: OrderState | null, event: OrderEvent): OrderState {
  const timeline: TimelineEntry[] = [...(state?.timeline ?? []), entryOf(event)];
  const base = (s: OrderState): OrderState => ({
    ...s,
    version: event.seq,
    updatedAt: event.at,
    timeline,
  });
  if (event.type === 'OrderPlaced') {
    return {
      orderId: event.orderId,
      status: 'PLACED',
      customer: event.data.customer,
      items: event.data.items,
      lines: [],
      total: 0,
      currency: null,
      invoice: null,
      payment: null,
      reason: null,
      placedAt: event.at,
      updatedAt: event.at,
      version: event.seq,
      timeline,
    };
  }
  if (state === null) {
    throw new Error(`${event.type} (seq ${event.seq}) cannot precede OrderPlaced`);
  }
  switch (event.type) {
    case 'StockReserved':
      return {
        ...base(state),
        status: 'RESERVED',
        lines: event.data.lines,
        total: event.data.total,
        currency: event.data.currency,
      };
    case 'OrderRejected':
      return { ...base(state), status: 'REJECTED', reason: event.data.reason };
    case 'InvoiceIssued':
      return {
        ...base(state),
        status: 'AWAITING_PAYMENT',
        invoice: {
          invoiceId: event.data.invoiceId,
          number: event.data.number,
          dueAt: event.data.dueAt,
          status: 'ISSUED',
        },
      };
    case 'PaymentReceived':
      return {
        ...base(state),
        status: 'PAID',
        // as the invoice itself says (`/invoices/:id`); a void one stays void
        invoice: state.invoice && {
          ...state.invoice,
          status: state.invoice.status === 'VOID' ? 'VOID' : 'PAID',
        },
        payment: {
          reference: event.data.reference,
          amount: event.data.amount,
          currency: event.data.currency,
          receivedAt: event.at,
        },
      };
    case 'InvoiceVoided':
      return { ...base(state), invoice: state.invoice && { ...state.invoice, status: 'VOID' } };
    case 'OrderCompleted':
      return { ...base(state), status: 'COMPLETED' };
    case 'OrderCancelled':
      return { ...base(state), status: 'CANCELLED', reason: event.data.reason };
    case 'OrderFailed':
      return { ...base(state), status: 'FAILED', reason: event.data.reason };
    case 'StockReleased':
    case 'NotificationSent':
    case 'PaymentReminderSent':
      return base(state);
  }
}

export function fold(events: readonly OrderEvent[]): OrderState | null {
  return events.reduce<OrderState | null>(evolve, null);
}
