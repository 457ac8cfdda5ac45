import { startStores, type TestStores } from '../test/helpers/stores';
import { createBillingActivities, ensureBillingIndexes } from './billing';

describe('billing activities against the real Mongo-compatible store', () => {
  let stores: TestStores;
  let billing: ReturnType<typeof createBillingActivities>;
  const input = (orderId: string) => ({
    orderId,
    customerId: 'c-1',
    lines: [{ sku: 'KB-001', name: 'Keyboard', quantity: 1, unitPrice: 8900, lineTotal: 8900 }],
    total: 8900,
    currency: 'EUR',
  });

  beforeAll(async () => {
    stores = await startStores('billing');
    await ensureBillingIndexes(stores.db);
    billing = createBillingActivities({ db: stores.db });
  });
  afterAll(() => stores?.stop());

  test('given 30 orders invoiced concurrently, some twice (retries), then numbers are 1..30 without gaps', async () => {
    const orders = Array.from({ length: 30 }, (_, i) => `b-${i}`);
    const issued = await Promise.all(
      [...orders, ...orders.slice(0, 10)].map((o) => billing.issueInvoice(input(o))),
    );
    const byOrder = new Map<string, number>();
    for (const [i, inv] of issued.entries()) {
      const orderId = [...orders, ...orders.slice(0, 10)][i] as string;
      const seen = byOrder.get(orderId);
      if (seen !== undefined) expect(inv.number).toBe(seen);
      byOrder.set(orderId, inv.number);
    }
    expect([...byOrder.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await stores.db.collection('invoices').countDocuments()).toBe(30);
  });
});
