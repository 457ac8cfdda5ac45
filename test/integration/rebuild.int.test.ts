import type { Db } from 'mongodb';
import { orderWorkflowId } from '../../domain/ids';
import { ordersCollection } from '../../projections/orders/mongo';
import { REBUILT, rebuildReadModels, verifyReadModels } from '../../projections/rebuild';
import { eventually } from '../helpers/poll';
import { startTestStack, type TestStack } from '../helpers/stack';

/** Every document of the rebuilt read models, without `projectedAt` (when, not what). */
async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const name of REBUILT) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = docs.map(({ projectedAt: _p, ...rest }) => rest);
  }
  return out;
}

describe('rebuild and verify the read models from the Temporal histories', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('rebuild');
  }, 120_000);
  afterAll(() => stack?.stop(), 60_000);

  test('given orders in every state, when the read models are wiped and rebuilt, then they are identical and verify finds no drift; a tampered document is reported exactly', async () => {
    const { base, env, stores } = stack;
    const post = (path: string, body: unknown, key?: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify(body),
      });
    const order = (n: number, sku = 'KB-001', quantity = 1) =>
      post(
        '/orders',
        { customer: { id: `c-${n % 3}`, email: `c${n % 3}@example.com` }, items: [{ sku, quantity }] },
        `r-${n}`,
      );
    for (let n = 0; n < 5; n++) await order(n);
    await order(5, 'HS-005', 99); // rejected
    const settled = async (id: string, statuses: string[]) =>
      eventually(
        async () =>
          (await (await fetch(`${base}/orders/${id}`)).json()) as { status?: string; total?: number },
        (v) => statuses.includes(v.status ?? ''),
      );
    for (let n = 0; n < 5; n++) await settled(`r-${n}`, ['AWAITING_PAYMENT']);
    await settled('r-5', ['REJECTED']);
    for (const n of [0, 1]) {
      expect(
        (await post(`/orders/r-${n}/payments`, { amount: 8900, currency: 'EUR', reference: `tx-${n}` }))
          .status,
      ).toBe(200);
    }
    expect((await post('/orders/r-2/cancel', { reason: 'changed my mind' })).status).toBe(200);
    // Runs still open (r-3, r-4 await payment) are rebuilt too; visibility lists all six.
    await eventually(
      async () => {
        let count = 0;
        for await (const _ of env.client.workflow.list({ query: 'WorkflowType = "orderWorkflow"' })) count++;
        return count;
      },
      (count) => count === 6,
    );
    for (const n of [0, 1, 2, 5]) await env.client.workflow.getHandle(orderWorkflowId(`r-${n}`)).result();
    await eventually(
      () => verifyReadModels({ db: stores.db, redis: stores.redis, temporal: env.client }),
      (r) => r.drift.length === 0,
    );
    const before = await snapshot(stores.db);
    expect(before.orders).toHaveLength(6);
    expect(before.invoices).toHaveLength(5);
    expect(before.customers).toHaveLength(3);
    // 6 received, 5 confirmations, 1 rejection, 2 receipts, 1 cancellation: one document per Message-ID.
    expect(before.notifications).toHaveLength(15);

    for (const name of REBUILT) await stores.db.collection(name).drop();
    await stores.redis.flushdb();
    const progress: number[] = [];
    const rebuilt = await rebuildReadModels(
      { db: stores.db, redis: stores.redis, temporal: env.client },
      (n) => progress.push(n),
    );
    expect(rebuilt.orders).toBe(6);
    expect(progress.at(-1)).toBe(6);
    expect(await snapshot(stores.db)).toEqual(before);
    expect((await fetch(`${base}/orders/r-0`).then((r) => r.json())) as object).toMatchObject({
      status: 'COMPLETED',
      freshness: { source: 'redis' },
    });
    expect(
      (await verifyReadModels({ db: stores.db, redis: stores.redis, temporal: env.client })).drift,
    ).toEqual([]);

    await ordersCollection(stores.db).updateOne({ _id: 'r-3' }, { $set: { total: 1 } });
    const { drift } = await verifyReadModels({ db: stores.db, redis: stores.redis, temporal: env.client });
    expect(drift).toEqual([{ model: 'orders', id: 'r-3', field: 'total', expected: 8900, actual: 1 }]);
  }, 180_000);
});
