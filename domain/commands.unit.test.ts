import { decideCancel, decidePayment, type Pending } from './commands';
import { makeEvent, type OrderEvent } from './events';
import { fold, type OrderState } from './order';

const at = new Date('2026-01-01T00:00:00Z');
const events: OrderEvent[] = [
  makeEvent('OrderPlaced', 'o-1', 1, at, {
    customer: { id: 'c-1', email: 'a@example.com' },
    items: [{ sku: 'KB-001', quantity: 2 }],
  }),
  makeEvent('StockReserved', 'o-1', 2, at, {
    lines: [{ sku: 'KB-001', quantity: 2, name: 'Keyboard', unitPrice: 8900, lineTotal: 17800 }],
    total: 17800,
    currency: 'EUR',
    stock: [],
  }),
  makeEvent('InvoiceIssued', 'o-1', 3, at, {
    invoiceId: 'inv-o-1',
    number: 1,
    total: 17800,
    currency: 'EUR',
    dueAt: '2026-01-03T00:00:00.000Z',
  }),
];
const upTo = (n: number) => fold(events.slice(0, n)) as OrderState;
const none: Pending = { payment: null, cancellation: null, closing: null };
const pay = { amount: 17800, currency: 'EUR', reference: 'p-1' };

describe('payment decision', () => {
  test('given an order awaiting payment, when the exact total is paid, then it is accepted', () => {
    expect(decidePayment(upTo(3), none, pay)).toEqual({ accepted: true, duplicate: false });
  });

  test.each([
    ['amount', { ...pay, amount: 17799 }, 'must be the invoice total 17800 (178.00 EUR)'],
    ['currency', { ...pay, currency: 'USD' }, 'must be the invoice currency EUR'],
  ])('given a wrong %s, then PAYMENT_MISMATCH names the field', (field, cmd, message) => {
    expect(decidePayment(upTo(3), none, cmd)).toEqual({
      accepted: false,
      refusal: { code: 'PAYMENT_MISMATCH', field, message },
    });
  });

  test('given an order not yet invoiced, then the payment is refused as not awaited', () => {
    expect(decidePayment(upTo(2), none, pay)).toMatchObject({
      accepted: false,
      refusal: {
        code: 'ORDER_NOT_AWAITING_PAYMENT',
        message: 'order is RESERVED; it does not await a payment',
      },
    });
  });

  test('given a cancellation being carried out, then a payment is refused', () => {
    const decision = decidePayment(upTo(3), { ...none, cancellation: { reason: 'changed my mind' } }, pay);
    expect(decision).toMatchObject({ accepted: false, refusal: { code: 'ORDER_NOT_AWAITING_PAYMENT' } });
  });

  test('given an accepted payment, when the same reference comes again, then it is the same payment', () => {
    expect(decidePayment(upTo(3), { ...none, payment: pay }, pay)).toEqual({
      accepted: true,
      duplicate: true,
    });
  });

  test('given an accepted payment, when another reference or the same reference with another amount comes, then both are refused', () => {
    const paid = { ...none, payment: pay };
    expect(decidePayment(upTo(3), paid, { ...pay, reference: 'p-2' })).toMatchObject({
      refusal: { code: 'ORDER_NOT_AWAITING_PAYMENT' },
    });
    expect(decidePayment(upTo(3), paid, { ...pay, amount: 1 })).toMatchObject({
      refusal: { code: 'PAYMENT_MISMATCH', field: 'reference' },
    });
  });
});

describe('cancel decision', () => {
  test('given an order before payment, then a cancellation is accepted at every stage', () => {
    for (const n of [1, 2, 3])
      expect(decideCancel(upTo(n), none)).toEqual({ accepted: true, duplicate: false });
  });

  test('given a cancellation already accepted, then another is the same one', () => {
    expect(decideCancel(upTo(3), { ...none, cancellation: { reason: 'x' } })).toEqual({
      accepted: true,
      duplicate: true,
    });
  });

  test('given a payment accepted or recorded, then a cancellation is refused as ORDER_ALREADY_PAID', () => {
    expect(decideCancel(upTo(3), { ...none, payment: pay })).toMatchObject({
      refusal: { code: 'ORDER_ALREADY_PAID' },
    });
    const paid = fold([...events, makeEvent('PaymentReceived', 'o-1', 4, at, pay)]);
    expect(decideCancel(paid, none)).toMatchObject({ refusal: { code: 'ORDER_ALREADY_PAID' } });
  });

  test('given a rejected order, then there is nothing to cancel', () => {
    const rejected = fold([
      events[0] as OrderEvent,
      makeEvent('OrderRejected', 'o-1', 2, at, { code: 'UNKNOWN_SKU', reason: 'unknown SKU: X' }),
    ]);
    expect(decideCancel(rejected, none)).toMatchObject({ refusal: { code: 'ORDER_CLOSED' } });
  });
});

describe('an order that has started to end', () => {
  const timingOut: Pending = { ...none, closing: { end: 'CANCELLED', reason: 'payment-timeout' } };
  const failing: Pending = { ...none, closing: { end: 'FAILED', reason: 'invoice failed: down' } };

  test('given the due date passed and the order is being cancelled, when the exact total is paid, then it is refused', () => {
    expect(decidePayment(upTo(3), timingOut, pay)).toEqual({
      accepted: false,
      refusal: {
        code: 'ORDER_NOT_AWAITING_PAYMENT',
        message: 'order is being cancelled (payment-timeout); it does not await a payment',
      },
    });
  });

  test('given a payment accepted before the order started to end, when it is repeated, then it is the same payment', () => {
    const paidThenClosing: Pending = { ...timingOut, payment: pay };
    expect(decidePayment(upTo(3), paidThenClosing, pay)).toEqual({ accepted: true, duplicate: true });
  });

  test('given the order is being cancelled at the due date, when a cancellation comes, then it is the same cancellation', () => {
    expect(decideCancel(upTo(3), timingOut)).toEqual({ accepted: true, duplicate: true });
  });

  test('given the order is failing, when a cancellation comes, then it is refused: the order ends FAILED', () => {
    expect(decideCancel(upTo(2), failing)).toEqual({
      accepted: false,
      refusal: {
        code: 'ORDER_CLOSED',
        message: 'order is failing (invoice failed: down); there is nothing to cancel',
      },
    });
  });
});
