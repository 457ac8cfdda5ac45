import { makeEvent } from '../../domain/events';
import { fold, type OrderState } from '../../domain/order';
import { evolveCustomer, type CustomerView } from './view';

const placed = (orderId: string, minute: number, email: string): OrderState =>
  fold([
    makeEvent('OrderPlaced', orderId, 1, new Date(Date.UTC(2026, 0, 1, 10, minute)), {
      customer: { id: 'c-1', email },
      items: [{ sku: 'A', quantity: 1 }],
    }),
  ]) as OrderState;

describe('customer view', () => {
  test('given two orders with different emails, whatever order they are folded in, then the view is the same and shows the latest email', () => {
    const at = new Date(0);
    const older = placed('o-1', 0, 'old@example.com');
    const newer = placed('o-2', 5, 'new@example.com');
    const ab = evolveCustomer(evolveCustomer(null, older, at), newer, at);
    const ba = evolveCustomer(evolveCustomer(null, newer, at), older, at);
    expect(ab).toEqual(ba);
    expect(ab).toMatchObject<Partial<CustomerView>>({
      email: 'new@example.com',
      orderCount: 2,
      lastOrder: { orderId: 'o-2', placedAt: newer.placedAt, status: 'PLACED', total: 0 },
    });
  });
});
