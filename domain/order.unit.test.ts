import { makeEvent, type OrderEvent } from './events';
import { evolve, fold } from './order';

const at = new Date('2026-01-01T00:00:00Z');
const placed = makeEvent('OrderPlaced', 'o-1', 1, at, {
  customer: { id: 'c-1', email: 'a@example.com' },
  items: [{ sku: 'KB-001', quantity: 2 }],
});
const reserved = makeEvent('StockReserved', 'o-1', 2, at, {
  lines: [{ sku: 'KB-001', quantity: 2, name: 'Keyboard', unitPrice: 8900, lineTotal: 17800 }],
  total: 17800,
  currency: 'EUR',
  stock: [],
});

describe('order evolve', () => {
  test('given the events of a completed order, when folded, then status, totals, invoice and timeline follow', () => {
    const events: OrderEvent[] = [
      placed,
      reserved,
      makeEvent('InvoiceIssued', 'o-1', 3, at, {
        invoiceId: 'inv-o-1',
        number: 12,
        total: 17800,
        currency: 'EUR',
        dueAt: '2026-01-03T00:00:00.000Z',
      }),
      makeEvent('PaymentReceived', 'o-1', 4, at, { reference: 'p-1', amount: 17800, currency: 'EUR' }),
      makeEvent('OrderCompleted', 'o-1', 5, at, {}),
    ];
    expect(fold(events)).toMatchObject({
      status: 'COMPLETED',
      total: 17800,
      currency: 'EUR',
      // paid: the order's invoice says so, as `/invoices/:id` does
      invoice: { invoiceId: 'inv-o-1', number: 12, dueAt: '2026-01-03T00:00:00.000Z', status: 'PAID' },
      payment: { reference: 'p-1', amount: 17800, currency: 'EUR', receivedAt: at.toISOString() },
      version: 5,
    });
    expect(fold(events)?.timeline.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  test('given a rejection, when folded, then the order is REJECTED with its reason', () => {
    const rejected = makeEvent('OrderRejected', 'o-1', 2, at, {
      code: 'UNKNOWN_SKU',
      reason: 'unknown SKU: X',
    });
    expect(fold([placed, rejected])).toMatchObject({
      status: 'REJECTED',
      reason: 'unknown SKU: X',
      total: 0,
    });
  });

  test('given no OrderPlaced, when another event is applied, then evolve refuses it', () => {
    expect(() => evolve(null, reserved)).toThrow('cannot precede OrderPlaced');
  });

  test('given a state, when an event is applied, then the previous state is not mutated', () => {
    const s1 = evolve(null, placed);
    const s2 = evolve(s1, reserved);
    expect(s1.status).toBe('PLACED');
    expect(s1.timeline).toHaveLength(1);
    expect(s2.timeline).toHaveLength(2);
  });
});
