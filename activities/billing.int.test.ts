import { startStores, type TestStores } from '../test/helpers/stores';
import { billingInvoices, createBillingActivities, ensureBillingIndexes } from './billing';

describe('billing activities against the real Mongo-compatible store', () => {
  let stores: TestStores;
  let billing: ReturnType<typeof createBillingActivities>;
  const input = (orderId: string) => ({
    orderId,
    customerId: 'c-1',
    lines: [{ sku: 'KB-001', name: 'Keyboard', quantity: 1, unitPrice: 8900, lineTotal: 8900 }],
    total: 8900,
    currency: 'EUR',
    dueAt: '2026-01-03T00:00:00.000Z',
  });

  beforeAll(async () => {
    stores = await startStores('billing');
    await ensureBillingIndexes(stores.db);
    billing = createBillingActivities({ db: stores.db });
  });
  afterAll(() => stores?.stop());

  test('given 30 orders invoiced concurrently by 3 workers, some twice (retries), then numbers are 1..30 without gaps', async () => {
    const orders = Array.from({ length: 30 }, (_, i) => `b-${i}`);
    // Three instances stand for three worker processes: only the unique indexes keep them apart.
    const workers = [
      billing,
      createBillingActivities({ db: stores.db }),
      createBillingActivities({ db: stores.db }),
    ];
    const issued = await Promise.all(
      [...orders, ...orders.slice(0, 10)].map((o, n) =>
        (workers[n % 3] as typeof billing).issueInvoice(input(o)),
      ),
    );
    const byOrder = new Map<string, number>();
    for (const [i, inv] of issued.entries()) {
      const orderId = [...orders, ...orders.slice(0, 10)][i] as string;
      const seen = byOrder.get(orderId);
      if (seen !== undefined) expect(inv.number).toBe(seen);
      byOrder.set(orderId, inv.number);
    }
    expect([...byOrder.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await billingInvoices(stores.db).countDocuments()).toBe(30);
  });

  test('given an issued invoice, when it is voided twice, then it is VOID once, keeps its number and the next number follows', async () => {
    const issued = await billing.issueInvoice(input('v-1'));
    expect(issued.dueAt).toBe('2026-01-03T00:00:00.000Z');
    const first = await billing.voidInvoice({ orderId: 'v-1', reason: 'payment-timeout' });
    const again = await billing.voidInvoice({ orderId: 'v-1', reason: 'something else' });
    expect(first).toEqual({ invoiceId: issued.invoiceId, number: issued.number });
    expect(again).toEqual(first);
    const doc = await billingInvoices(stores.db).findOne({ _id: issued.invoiceId });
    expect(doc).toMatchObject({ status: 'VOID', voidReason: 'payment-timeout', number: issued.number });
    // A retried issue of the voided order does not mint a new number.
    expect((await billing.issueInvoice(input('v-1'))).number).toBe(issued.number);
    expect((await billing.issueInvoice(input('v-2'))).number).toBe(issued.number + 1);
  });

  test('given no invoice, when voiding, then there is nothing to void', async () => {
    expect(await billing.voidInvoice({ orderId: 'never-invoiced', reason: 'cancelled' })).toBeNull();
  });

  test('given a number whose marker a crash never wrote, when the next invoice is issued by a fresh worker, then it takes the next number', async () => {
    const first = await billing.issueInvoice(input('m-1'));
    await stores.db.collection('invoice_numbers').deleteOne({ _id: String(first.number) as never });
    const fresh = createBillingActivities({ db: stores.db });
    expect((await fresh.issueInvoice(input('m-2'))).number).toBe(first.number + 1);
    expect((await billing.issueInvoice(input('m-3'))).number).toBe(first.number + 2);
  });
});
