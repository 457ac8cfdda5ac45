import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeEvent, ORDER_EVENT_TYPES, type OrderEvent } from '../domain/events';
import type { StockSnapshot } from '../domain/stock';
import type { WebhookDelivery } from '../domain/webhooks';
import { fold } from '../domain/order';
import { derivedViews } from './derived';
import { evolve as evolveLetter, type DeadLetterChange } from './dead-letters/view';
import { evolve as evolveProduct } from './products/view';
import { evolve as evolveDelivery } from './webhook-deliveries/view';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute));
const projectedAt = at(59);
const ORDER = 'o-1';

/** An order's events up to its invoice, then `more`, numbered in turn. */
function orderEvents(...more: ((seq: number) => OrderEvent)[]): OrderEvent[] {
  const first: ((seq: number) => OrderEvent)[] = [
    (seq) =>
      makeEvent('OrderPlaced', ORDER, seq, at(seq), {
        customer: { id: 'c-1', email: 'ada@example.com' },
        items: [{ sku: 'KB-001', quantity: 2 }],
      }),
    (seq) =>
      makeEvent('StockReserved', ORDER, seq, at(seq), {
        lines: [{ sku: 'KB-001', quantity: 2, name: 'Keyboard', unitPrice: 4500, lineTotal: 9000 }],
        total: 9000,
        currency: 'EUR',
        stock: [],
      }),
    (seq) =>
      makeEvent('InvoiceIssued', ORDER, seq, at(seq), {
        invoiceId: `inv-${ORDER}`,
        number: 7,
        total: 9000,
        currency: 'EUR',
        dueAt: at(50).toISOString(),
      }),
    (seq) =>
      makeEvent('NotificationSent', ORDER, seq, at(seq), {
        channel: 'email',
        kind: 'order-confirmed',
        to: 'ada@example.com',
        messageId: `<${ORDER}.order-confirmed.email@orders>`,
      }),
  ];
  return [...first, ...more].map((make, i) => make(i + 1));
}

const paid = (seq: number) =>
  makeEvent('PaymentReceived', ORDER, seq, at(seq), { reference: 'tx-1', amount: 9000, currency: 'EUR' });
const voided = (seq: number) =>
  makeEvent('InvoiceVoided', ORDER, seq, at(seq), {
    invoiceId: `inv-${ORDER}`,
    number: 7,
    reason: 'cancelled',
  });

/** The read models' documents of an order, by collection. */
function documents(events: OrderEvent[]): Record<string, readonly Record<string, unknown>[]> {
  const order = fold(events);
  if (!order) throw new Error('no order');
  return Object.fromEntries(derivedViews(order, projectedAt).map((d) => [d.name, d.docs]));
}

describe('the read models, each an evolve over the events it handles', () => {
  test('given every folder of projections/, then each view exports evolve and what it handles', async () => {
    const folders = readdirSync(__dirname, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.map((f) => f.name).sort()).toEqual([
      'dead-letters',
      'invoices',
      'notifications',
      'orders',
      'orders-with-invoices',
      'products',
      'webhook-deliveries',
    ]);
    for (const { name } of folders) {
      const view = (await import(join(__dirname, name, 'view'))) as { evolve?: unknown; handles?: unknown };
      expect({ name, evolve: typeof view.evolve, handles: Array.isArray(view.handles) }).toEqual({
        name,
        evolve: 'function',
        handles: true,
      });
      expect((view.handles as unknown[]).length).toBeGreaterThan(0);
    }
  });

  test('given an order issued, then paid, then its invoice is PAID at the payment, versioned by the order', () => {
    const events = orderEvents(paid);
    const { invoices, orders_with_invoices } = documents(events);
    expect(invoices).toEqual([
      expect.objectContaining({
        _id: 'inv-o-1',
        orderId: ORDER,
        customerId: 'c-1',
        number: 7,
        total: 9000,
        status: 'PAID',
        issuedAt: at(3).toISOString(),
        paidAt: at(5).toISOString(),
        voidedAt: null,
        version: 5,
      }),
    ]);
    expect(orders_with_invoices).toHaveLength(1);
    expect(orders_with_invoices?.[0]).toMatchObject({ _id: ORDER, version: 5, invoice: { status: 'PAID' } });
  });

  test('given an invoice voided, then a payment after it leaves it VOID, with the void reason', () => {
    const { invoices } = documents(orderEvents(voided, paid));
    expect(invoices).toEqual([
      expect.objectContaining({ status: 'VOID', voidReason: 'cancelled', voidedAt: at(5).toISOString() }),
    ]);
  });

  test('given an order rejected before any invoice, then it has no invoice and its orders_with_invoices has none', () => {
    const events = [
      makeEvent('OrderPlaced', ORDER, 1, at(1), { customer: { id: 'c-1', email: 'a@b.c' }, items: [] }),
      makeEvent('OrderRejected', ORDER, 2, at(2), { code: 'OUT_OF_STOCK', reason: 'no stock' }),
    ];
    const { invoices, orders_with_invoices } = documents(events);
    expect(invoices).toEqual([]);
    expect(orders_with_invoices).toEqual([expect.objectContaining({ status: 'REJECTED', invoice: null })]);
  });

  test('given messages sent, then each is a notification versioned by its own event, reminders included', () => {
    const reminded = (seq: number) =>
      makeEvent('PaymentReminderSent', ORDER, seq, at(seq), {
        channel: 'sms',
        to: '+4915112345678',
        messageId: 'sms-reminder-1',
        dueAt: at(50).toISOString(),
      });
    const { notifications } = documents(orderEvents(reminded));
    expect(notifications?.map((n) => [n._id, n.kind, n.version])).toEqual([
      ['<o-1.order-confirmed.email@orders>', 'order-confirmed', 4],
      ['sms-reminder-1', 'payment-reminder', 5],
    ]);
  });

  test('given every event type, then the orders view handles each', async () => {
    const { handles } = (await import('./orders/view')) as { handles: readonly string[] };
    expect([...handles].sort()).toEqual([...ORDER_EVENT_TYPES].sort());
  });

  test('given product snapshots late or twice, then the newest stays', () => {
    const snapshot = (seq: number, available: number): StockSnapshot => ({
      sku: 'KB-001',
      name: 'Keyboard',
      price: 4500,
      currency: 'EUR',
      available,
      reserved: 0,
      seq,
    });
    const newer = evolveProduct(null, snapshot(5, 10), projectedAt);
    expect(evolveProduct(newer, snapshot(4, 12), projectedAt)).toBe(newer);
    expect(evolveProduct(newer, snapshot(5, 12), projectedAt)).toBe(newer);
    expect(evolveProduct(newer, snapshot(6, 8), projectedAt)).toMatchObject({ available: 8, version: 6 });
  });

  test('given a webhook delivery, then its view keeps the newest state, and it is a dead letter only once it died', () => {
    const delivery = (version: number, status: WebhookDelivery['status']): WebhookDelivery => ({
      deliveryId: 'msg_s_o-1_4',
      subscriptionId: 's',
      url: 'https://erp.example.com/hooks',
      eventType: 'InvoiceIssued',
      orderId: ORDER,
      seq: 4,
      payload: { type: 'InvoiceIssued', timestamp: at(3).toISOString(), data: { orderId: ORDER, seq: 4 } },
      status,
      attempts: [{ n: 1, at: at(10).toISOString(), status: 503, latencyMs: 12, error: 'HTTP 503' }],
      reason: status === 'dead' ? 'no success within the retry window' : null,
      redrives: 0,
      version,
    });
    const latest = evolveDelivery(null, delivery(3, 'pending'), projectedAt);
    expect(evolveDelivery(latest, delivery(2, 'pending'), projectedAt)).toBe(latest);
    const change = (v: number, status: WebhookDelivery['status']): DeadLetterChange => ({
      type: 'DeliveryChanged',
      delivery: delivery(v, status),
    });
    expect(evolveLetter(null, change(3, 'pending'), projectedAt)).toBeNull();
    const letter = evolveLetter(null, change(4, 'dead'), projectedAt);
    expect(letter).toMatchObject({ _id: 'msg_s_o-1_4', kind: 'webhook', status: 'open', version: 4 });
    expect(evolveLetter(letter, change(3, 'pending'), projectedAt)).toBe(letter);
  });
});
