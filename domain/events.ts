import type { StockSnapshot } from './stock';

/** Domain events (past tense, versioned). `seq` runs 1..n per order; `at` is an ISO timestamp. */
export interface OrderItem {
  sku: string;
  quantity: number;
}

export interface OrderLine extends OrderItem {
  name: string;
  unitPrice: number;
  lineTotal: number;
}

export interface Customer {
  id: string;
  email: string;
  /** E.164; when given, the customer also gets each notification by SMS */
  phone?: string;
}

export type Channel = 'email' | 'sms';

interface EventBase<T extends string, D> {
  type: T;
  version: 1;
  orderId: string;
  seq: number;
  at: string;
  data: D;
}

export type OrderPlaced = EventBase<'OrderPlaced', { customer: Customer; items: OrderItem[] }>;
export type StockReserved = EventBase<
  'StockReserved',
  { lines: OrderLine[]; total: number; currency: string; stock: StockSnapshot[] }
>;
export type OrderRejected = EventBase<'OrderRejected', { code: string; reason: string }>;
export type InvoiceIssued = EventBase<
  'InvoiceIssued',
  { invoiceId: string; number: number; total: number; currency: string; dueAt: string }
>;
export type StockReleased = EventBase<'StockReleased', { reason: string; stock: StockSnapshot[] }>;
export type NotificationSent = EventBase<
  'NotificationSent',
  { channel: Channel; kind: string; to: string; messageId: string }
>;
export type PaymentReminderSent = EventBase<
  'PaymentReminderSent',
  { channel: Channel; to: string; messageId: string; dueAt: string }
>;
export type PaymentReceived = EventBase<
  'PaymentReceived',
  { reference: string; amount: number; currency: string }
>;
export type InvoiceVoided = EventBase<'InvoiceVoided', { invoiceId: string; number: number; reason: string }>;
export type OrderCancelled = EventBase<'OrderCancelled', { reason: string }>;
export type OrderCompleted = EventBase<'OrderCompleted', Record<string, never>>;
export type OrderFailed = EventBase<'OrderFailed', { reason: string }>;

export type OrderEvent =
  | OrderPlaced
  | StockReserved
  | OrderRejected
  | InvoiceIssued
  | StockReleased
  | NotificationSent
  | PaymentReminderSent
  | PaymentReceived
  | InvoiceVoided
  | OrderCancelled
  | OrderCompleted
  | OrderFailed;

export type OrderEventType = OrderEvent['type'];

/** Each event type once: a Record's keys, so that the compiler asks for a new type here too. */
const EVERY_TYPE: Record<OrderEventType, true> = {
  OrderPlaced: true,
  StockReserved: true,
  OrderRejected: true,
  InvoiceIssued: true,
  StockReleased: true,
  NotificationSent: true,
  PaymentReminderSent: true,
  PaymentReceived: true,
  InvoiceVoided: true,
  OrderCancelled: true,
  OrderCompleted: true,
  OrderFailed: true,
};
// The keys of a Record<OrderEventType, …> are exactly the event types.
export const ORDER_EVENT_TYPES = Object.keys(EVERY_TYPE) as readonly OrderEventType[];

export type DataOf<T extends OrderEventType> = Extract<OrderEvent, { type: T }>['data'];

/** Builds the next event of an order; the caller passes the clock so this stays pure. */
export function makeEvent<T extends OrderEventType>(
  type: T,
  orderId: string,
  seq: number,
  at: Date,
  data: DataOf<T>,
): Extract<OrderEvent, { type: T }> {
  return { type, version: 1, orderId, seq, at: at.toISOString(), data } as Extract<OrderEvent, { type: T }>;
}
