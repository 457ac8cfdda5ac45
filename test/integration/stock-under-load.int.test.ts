import { productsCollection } from '../../projections/products/view';
import { billingInvoices } from '../../activities/billing';
import type { OrderResult } from '../../workflows/order';
import { seedProducts } from '../../activities/catalog';
import { inventoryCollections } from '../../activities/stock-ledger';
import { orderWorkflowId } from '../../domain/ids';
import { ordersCollection } from '../../projections/orders/view';
import { eventually } from '../helpers/poll';
import { startTestStack, type TestStack } from '../helpers/stack';
import { asCustomer } from '../helpers/auth';

const LOAD_CUSTOMER = asCustomer({ id: 'load-customer', email: 'load@example.com' });

const ORDERS = 200;
const STOCK = 50;
const SKU = 'LOAD-1';
const PRICE = 1500;

/**
 * 200 orders race for 50 units of one SKU through the API, on the Temporal dev server with the real
 * workers and the real Mongo-compatible store: exactly 50 are served, the ledger adds up, and stock
 * is never negative at any point of it.
 */
describe('stock under concurrent orders', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('load');
    await seedProducts(stack.stores.db, [
      { sku: SKU, name: 'Limited edition', price: PRICE, currency: 'EUR', stock: STOCK },
    ]);
  }, 120_000);
  afterAll(() => stack?.stop(), 60_000);

  test(`given ${STOCK} units, when ${ORDERS} orders of one unit arrive at once and the served ones are paid, then exactly ${STOCK} complete and ${ORDERS - STOCK} are REJECTED`, async () => {
    const { base, stores, env } = stack;
    const keys = Array.from({ length: ORDERS }, (_, i) => `load-${i}`);
    const t0 = Date.now();
    const placed = await Promise.all(
      keys.map((id) =>
        fetch(`${base}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': id, ...LOAD_CUSTOMER },
          body: JSON.stringify({ items: [{ sku: SKU, quantity: 1 }] }),
        }),
      ),
    );
    expect(placed.map((r) => r.status)).toEqual(Array<number>(ORDERS).fill(202));
    const ids = await Promise.all(placed.map(async (r) => ((await r.json()) as { orderId: string }).orderId));

    // Every order settles in the read model as either served (awaiting payment) or rejected.
    const orders = ordersCollection(stores.db);
    await eventually(
      () => orders.countDocuments({ _id: { $in: ids }, status: { $in: ['AWAITING_PAYMENT', 'REJECTED'] } }),
      (n) => n === ORDERS,
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    const settledMs = Date.now() - t0;
    const served = await orders
      .find({ _id: { $in: ids }, status: 'AWAITING_PAYMENT' }, { projection: { _id: 1 } })
      .toArray();
    expect(served).toHaveLength(STOCK);

    const paid = await Promise.all(
      served.map(({ _id }) =>
        fetch(`${base}/orders/${_id}/payments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...LOAD_CUSTOMER },
          body: JSON.stringify({ amount: PRICE, currency: 'EUR', reference: `tx-${_id}` }),
        }),
      ),
    );
    // 200 with the outcome, or 202 when the API stopped waiting under this load: both accepted.
    expect(paid.filter((r) => r.status !== 200 && r.status !== 202)).toEqual([]);

    const results = await Promise.all(
      ids.map((id) => env.client.workflow.getHandle(orderWorkflowId(id)).result() as Promise<OrderResult>),
    );
    console.info(`${ORDERS} orders settled in ${settledMs} ms, all finished in ${Date.now() - t0} ms`);
    const byStatus = results.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
      {},
    );
    expect(byStatus).toEqual({ COMPLETED: STOCK, REJECTED: ORDERS - STOCK });
    expect(results.filter((r) => r.status === 'REJECTED').map((r) => r.reason)).toEqual(
      Array<string>(ORDERS - STOCK).fill(`insufficient stock for ${SKU}: 1 requested`),
    );

    // The ledger: numbered without gaps, each balance follows from the one before, never negative.
    const ledger = await inventoryCollections(stores.db)
      .movements.find({ sku: SKU })
      .sort({ seq: 1 })
      .toArray();
    expect(ledger.map((m) => m.seq)).toEqual(ledger.map((_, i) => i + 1));
    let available = 0;
    let reserved = 0;
    for (const m of ledger) {
      available += m.delta;
      if (m.kind !== 'seed') reserved -= m.delta;
      expect({ seq: m.seq, available: m.available, reserved: m.reserved }).toEqual({
        seq: m.seq,
        available,
        reserved,
      });
      expect(m.available).toBeGreaterThanOrEqual(0);
    }
    expect(ledger.filter((m) => m.kind === 'reserve')).toHaveLength(STOCK);
    expect(ledger.filter((m) => m.kind === 'release')).toHaveLength(0);
    expect(ledger.at(-1)).toMatchObject({ available: 0, reserved: STOCK });

    // The products read model ends at the ledger's head, however the snapshots raced.
    const product = await eventually(
      () => productsCollection(stores.db).findOne({ _id: SKU }),
      (p) => p?.version === ledger.at(-1)?.seq,
    );
    expect(product).toMatchObject({ available: 0, reserved: STOCK });

    // One invoice per served order, numbered 1..50 without gaps.
    const invoices = await billingInvoices(stores.db)
      .find({ orderId: { $in: ids } })
      .toArray();
    expect(invoices.map((i) => i.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: STOCK }, (_, i) => i + 1),
    );
  }, 300_000);
});
