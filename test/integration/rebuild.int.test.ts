import type { Db } from 'mongodb';
import { orderWorkflowId } from '../../domain/ids';
import { ordersCollection } from '../../projections/orders/view';
import { invoicesCollection } from '../../projections/invoices/view';
import { REBUILT, rebuildReadModels } from '../../projections/rebuild';
import { verifyReadModels } from '../../projections/verify';
import { eventLogCollection } from '../../projections/event-log';
import { deadLettersCollection } from '../../projections/dead-letters/view';
import { deliveriesCollection } from '../../projections/webhook-deliveries/view';
import { eventually } from '../helpers/poll';
import { makeEvent, type OrderEvent } from '../../domain/events';
import { createProjectionActivities } from '../../projections/activities';
import { startReceiver, type Receiver } from '../../bench/receiver';
import { startTestStack, type TestStack } from '../helpers/stack';
import { AS_ADMIN, asCustomer } from '../helpers/auth';
import { readOrderFromRedis, writeOrderToRedis } from '../../projections/orders/redis';

/** Every document of the rebuilt read models, without `projectedAt` (when, not what). */
async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const name of REBUILT) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = docs.map(({ projectedAt: _p, ...rest }) => rest);
  }
  return out;
}

/** An order's first events as its run records them (placed, reserved, invoiced), at one moment. */
function openedOrder(
  orderId: string,
  {
    customer,
    at,
    invoiceNumber,
  }: { customer: { id: string; email: string }; at: Date; invoiceNumber: number },
): OrderEvent[] {
  const lines = [{ sku: 'KB-001', quantity: 1, name: 'Keyboard', unitPrice: 8900, lineTotal: 8900 }];
  const due = new Date(at.getTime() + 2 * 86_400_000).toISOString();
  return [
    makeEvent('OrderPlaced', orderId, 1, at, { customer, items: [{ sku: 'KB-001', quantity: 1 }] }),
    makeEvent('StockReserved', orderId, 2, at, { lines, total: 8900, currency: 'EUR', stock: [] }),
    makeEvent('InvoiceIssued', orderId, 3, at, {
      invoiceId: `inv-${orderId}`,
      number: invoiceNumber,
      total: 8900,
      currency: 'EUR',
      dueAt: due,
    }),
  ];
}

/** The events that pay and complete an order `openedOrder` began. */
function paidOrder(orderId: string, at: Date, reference: string): OrderEvent[] {
  return [
    makeEvent('PaymentReceived', orderId, 4, at, { reference, amount: 8900, currency: 'EUR' }),
    makeEvent('OrderCompleted', orderId, 5, at, {}),
  ];
}

describe('rebuild and verify the read models from the Temporal histories', () => {
  let stack: TestStack;
  /** the orders the first test placed, in every state (the later tests start from them) */
  const placed: string[] = [];
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    stack = await startTestStack('rebuild');
  }, 120_000);
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await stack?.stop();
  }, 60_000);

  test('given orders in every state, when the read models are wiped and rebuilt, then they are identical and verify finds no drift; a tampered document is reported exactly', async () => {
    const { base, env, stores } = stack;
    const post = (path: string, body: unknown, key?: string, as = AS_ADMIN) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...as,
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // Webhooks: completions delivered, rejections refused for good (a dead letter).
    const ok = await startReceiver();
    const gone = await startReceiver();
    receivers.push(ok, gone);
    gone.respondWith(410);
    expect((await post('/webhooks', { url: ok.url, events: ['OrderCompleted'] })).status).toBe(201);
    expect((await post('/webhooks', { url: gone.url, events: ['OrderRejected'] })).status).toBe(201);
    // The rejected order's customer has a mailbox that refuses mail: two dead-lettered emails.
    await stack.mailbox.acceptOnly('@example\\.com$');
    // Order n is placed with the key r-n; the server names it (ids[n]).
    const ids: string[] = [];
    const customerOf = (n: number, email = `c${n % 3}@example.com`) =>
      asCustomer({ id: `c-${n % 3}`, email });
    const order = async (n: number, sku = 'KB-001', quantity = 1, email = `c${n % 3}@example.com`) => {
      const res = await post('/orders', { items: [{ sku, quantity }] }, `r-${n}`, customerOf(n, email));
      ids[n] = ((await res.json()) as { orderId: string }).orderId;
    };
    const id = (n: number) => ids[n] ?? '';
    for (let n = 0; n < 5; n++) await order(n);
    await order(5, 'HS-005', 99, 'bounce@bounces.example.com'); // rejected
    const settled = async (id: string, statuses: string[]) =>
      eventually(
        async () =>
          (await (await fetch(`${base}/orders/${id}`, { headers: AS_ADMIN })).json()) as {
            status?: string;
            total?: number;
          },
        (v) => statuses.includes(v.status ?? ''),
      );
    for (let n = 0; n < 5; n++) await settled(id(n), ['AWAITING_PAYMENT']);
    await settled(id(5), ['REJECTED']);
    for (const n of [0, 1]) {
      expect(
        (
          await post(
            `/orders/${id(n)}/payments`,
            { amount: 8900, currency: 'EUR', reference: `tx-${n}` },
            undefined,
            customerOf(n),
          )
        ).status,
      ).toBe(200);
    }
    expect(
      (await post(`/orders/${id(2)}/cancel`, { reason: 'changed my mind' }, undefined, customerOf(2))).status,
    ).toBe(200);
    // Runs still open (r-3, r-4 await payment) are rebuilt too; visibility lists all six.
    await eventually(
      async () => {
        let count = 0;
        for await (const _ of env.client.workflow.list({ query: 'WorkflowType = "orderWorkflow"' })) count++;
        return count;
      },
      (count) => count === 6,
    );
    for (const n of [0, 1, 2, 5]) await env.client.workflow.getHandle(orderWorkflowId(id(n))).result();
    // One of the dead-lettered emails is redriven once the mailbox is back.
    await stack.mailbox.acceptOnly(null);
    const letter = `ntf_${id(5)}_order-rejected_email`;
    expect((await post(`/dead-letters/${letter}/redrive`, undefined)).status).toBe(202);
    await eventually(
      () => deadLettersCollection(stores.db).findOne({ _id: letter }),
      (l) => l?.status === 'redriven',
    );
    await eventually(
      () =>
        deliveriesCollection(stores.db)
          .find({ status: { $in: ['delivered', 'dead'] } })
          .toArray(),
      (list) => list.length === 3,
    );
    await eventually(
      () => verifyReadModels(stack.readModels),
      (r) => r.drift.length === 0,
    );
    const before = await snapshot(stores.db);
    expect(before.orders).toHaveLength(6);
    expect(before.invoices).toHaveLength(5);
    expect(new Set(before.orders?.map((o) => (o as { customer: { id: string } }).customer.id)).size).toBe(3);
    // 6 received, 5 confirmations, 1 rejection, 2 receipts, 1 cancellation: one document per
    // Message-ID; r-5's two emails failed and one of them was redriven.
    expect(before.notifications).toHaveLength(14);
    expect(before.webhook_deliveries).toHaveLength(3);
    expect(before.dead_letters).toHaveLength(3);
    expect(before.dead_letters?.map((l) => (l as { status: string }).status).sort()).toEqual([
      'open',
      'open',
      'redriven',
    ]);

    for (const name of REBUILT) await stores.db.collection(name).drop();
    await stores.redis.flushdb();
    const progress: number[] = [];
    const rebuilt = await rebuildReadModels(stack.readModels, (n) => progress.push(n));
    expect(rebuilt.orders).toBe(6);
    expect(progress.at(-1)).toBe(6);
    expect(await snapshot(stores.db)).toEqual(before);
    expect(
      (await fetch(`${base}/orders/${id(0)}`, { headers: AS_ADMIN }).then((r) => r.json())) as object,
    ).toMatchObject({
      status: 'COMPLETED',
      freshness: { source: 'redis' },
    });
    expect((await verifyReadModels(stack.readModels)).drift).toEqual([]);

    await ordersCollection(stores.db).updateOne({ _id: id(3) }, { $set: { total: 1 } });
    await deadLettersCollection(stores.db).updateOne({ _id: letter }, { $set: { status: 'open' } });
    const { drift } = await verifyReadModels(stack.readModels);
    expect(drift).toEqual([
      { model: 'dead_letters', id: letter, field: 'status', expected: 'redriven', actual: 'open' },
      { model: 'orders', id: id(3), field: 'total', expected: 8900, actual: 1 },
    ]);
    placed.push(...ids);
  }, 180_000);

  test('given an order only its read model holds (projected before the event log was kept), when the read models are rebuilt, then it stays and the log gains its events', async () => {
    const { stores } = stack;
    // From read models equal to the histories (the test before tampered with two documents).
    await rebuildReadModels(stack.readModels);
    const at = new Date('2026-01-01T00:00:00Z');
    const customer = { id: 'c-retained', email: 'old@example.com' };
    const events = [
      ...openedOrder('gone-1', { customer, at, invoiceNumber: 9001 }),
      ...paidOrder('gone-1', at, 'tx-old'),
    ];
    await createProjectionActivities({
      db: stores.db,
      redis: stores.redis,
      keys: stack.readModels.keys,
    }).projectEvents(events);
    // No history, no log: the read model's timeline is the last copy of its events.
    await eventLogCollection(stores.db).deleteMany({ orderId: 'gone-1' });
    const before = await snapshot(stores.db);
    expect((await verifyReadModels(stack.readModels)).drift).toMatchObject([
      { model: 'order_events', id: 'gone-1', actual: null },
    ]);

    const rebuilt = await rebuildReadModels(stack.readModels);
    expect(rebuilt.logRepaired).toBe(1);
    expect(await snapshot(stores.db)).toEqual(before);
    expect(await eventLogCollection(stores.db).countDocuments({ orderId: 'gone-1' })).toBe(5);
    const verified = await verifyReadModels(stack.readModels);
    expect(verified.drift).toEqual([]);
    expect(verified.sources).toMatchObject({ log: 1, timeline: 0 });
  }, 120_000);

  test('given completed runs deleted from Temporal (what retention does), when the order read models and Redis are wiped and rebuilt, then verify tells them apart from drift and every order, invoice and customer answers as before', async () => {
    const { base, env, stores } = stack;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: AS_ADMIN });
      expect(res.status).toBe(200);
      // When it was projected says how fresh, not what: left out wherever it is.
      return JSON.parse(await res.text(), (key, value: unknown) =>
        key === 'projectedAt' ? undefined : value,
      ) as Record<string, unknown>;
    };
    const answers = async () => {
      const out: Record<string, unknown> = {};
      for (const orderId of placed) {
        const order = await get(`/orders/${orderId}`);
        out[orderId] = order;
        out[`${orderId} events`] = await get(`/orders/${orderId}/events`);
        if (order.invoice) out[`${orderId} invoice`] = await get(`/invoices/inv-${orderId}`);
      }
      for (const c of ['c-0', 'c-1', 'c-2']) out[c] = await get(`/customers/${c}/orders`);
      return out;
    };
    await rebuildReadModels(stack.readModels);
    const before = { models: await snapshot(stores.db), http: await answers() };
    const closed = [];
    for await (const wf of env.client.workflow.list({ query: 'ExecutionStatus != "Running"' }))
      closed.push(wf);
    const closedOrders = closed.filter((wf) => wf.type === 'orderWorkflow').length;
    expect(closedOrders).toBe(4); // paid twice, cancelled, rejected; two still await payment
    await Promise.all(
      closed.map((wf) =>
        env.client.workflowService.deleteWorkflowExecution({
          namespace: env.namespace ?? 'default',
          workflowExecution: { workflowId: wf.workflowId, runId: wf.runId },
        }),
      ),
    );
    await eventually(
      async () => (await env.client.workflow.count('ExecutionStatus != "Running"')).count,
      (count) => count === 0,
      // The dev server deletes a closed run's visibility record some 30 s after the request.
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    // The log keeps what the histories kept, sealed as they were: no contact details in clear.
    const logged = await eventLogCollection(stores.db).find({}).toArray();
    expect(logged.length).toBeGreaterThan(30);
    expect(JSON.stringify(logged)).not.toContain('@example.com');
    const afterDelete = await verifyReadModels(stack.readModels);
    expect(afterDelete.drift).toEqual([]);
    expect(afterDelete.sources).toMatchObject({ temporal: 2, log: 5, timeline: 0 }); // gone-1 and these 4

    for (const name of ['orders', 'invoices', 'orders_with_invoices'])
      await stores.db.collection(name).drop();
    await stores.redis.flushdb();
    const rebuilt = await rebuildReadModels(stack.readModels);
    expect(rebuilt).toMatchObject({ orders: 7, fromLog: 5, logRepaired: 0 });
    expect(await snapshot(stores.db)).toEqual(before.models);
    expect(await answers()).toEqual(before.http);
    expect((await verifyReadModels(stack.readModels)).drift).toEqual([]);
  }, 180_000);

  test('given Redis holding an order no event accounts for and a drifted copy of another, when the read models are rebuilt, then Redis follows: the one is gone with its counts, the other replaced', async () => {
    const { base, stores } = stack;
    const stats = async () => {
      const { freshness: _f, ...figures } = (await (
        await fetch(`${base}/stats`, { headers: AS_ADMIN })
      ).json()) as {
        freshness: unknown;
      };
      return figures;
    };
    const [first = ''] = placed;
    const before = await stats();
    const hot = JSON.parse((await stores.redis.hget(`order:${first}`, 'doc')) ?? '{}') as Record<
      string,
      unknown
    >;
    await stores.redis.hset(`order:${first}`, 'doc', JSON.stringify({ ...hot, total: 1 }));
    const ghost = { ...hot, _id: 'ghost-1', version: 99, status: 'COMPLETED' };
    await writeOrderToRedis(stores.redis, { ...ghost, projectedAt: new Date() } as never);
    expect(await stats()).not.toEqual(before);

    await rebuildReadModels(stack.readModels);
    expect(await stores.redis.exists('order:ghost-1')).toBe(0);
    expect(await readOrderFromRedis(stores.redis, first)).toMatchObject({ total: hot.total });
    expect(await stats()).toEqual(before);
    expect((await verifyReadModels(stack.readModels)).drift).toEqual([]);
  }, 120_000);
  /**
   * The store as the rebuild sees it, with `before(source)` run just before each rename of a
   * collection (once per source): a live writer at the worst moment of the swap.
   */
  const renamesWith = (db: Db, before: Record<string, () => Promise<unknown>>): Db => {
    const due = new Map(Object.entries(before));
    return new Proxy(db, {
      get(target, key, receiver) {
        if (key !== 'renameCollection') return Reflect.get(target, key, receiver) as unknown;
        return async (from: string, to: string, options?: object) => {
          const hook = due.get(from);
          due.delete(from);
          if (hook) await hook();
          return target.renameCollection(from, to, options);
        };
      },
    });
  };

  test('given a live projector writing while the read models are rebuilt, when it writes just before the swap and between its renames, then nothing it wrote is lost', async () => {
    const { stores } = stack;
    const projector = createProjectionActivities({
      db: stores.db,
      redis: stores.redis,
      keys: stack.readModels.keys,
    });
    const at = new Date('2026-02-01T00:00:00Z');
    const customer = { id: 'c-live', email: 'live@example.com' };
    const opened = (orderId: string) => openedOrder(orderId, { customer, at, invoiceNumber: 9100 });
    const paid = (orderId: string) => paidOrder(orderId, at, 'tx-live');
    await projector.projectEvents(opened('live-1'));
    // live-1 is paid after the rebuild folded it (its write lands in the collection the swap replaces);
    // live-2 is placed while `orders` is renamed aside (its insert creates `orders` again).
    const db = renamesWith(stores.db, {
      orders: () => projector.projectEvents(paid('live-1')),
      orders__rebuild: () => projector.projectEvents(opened('live-2')),
    });
    const rebuilt = await rebuildReadModels({ ...stack.readModels, db });
    expect(rebuilt.keptFromLive).toBeGreaterThanOrEqual(2);
    expect(await ordersCollection(stores.db).findOne({ _id: 'live-1' })).toMatchObject({
      version: 5,
      status: 'COMPLETED',
    });
    expect(await ordersCollection(stores.db).findOne({ _id: 'live-2' })).toMatchObject({ version: 3 });
    expect(await invoicesCollection(stores.db).findOne({ _id: 'inv-live-1' })).toMatchObject({
      status: 'PAID',
    });
    const names = (await stores.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names.filter((name) => /__aside_|__rebuild/.test(name))).toEqual([]);
    expect((await verifyReadModels(stack.readModels)).drift).toEqual([]);
  }, 120_000);
  test('given a swap stopped half-way (the live deliveries set aside, the fresh ones not yet in), when rebuilt again, then what was set aside is put back and nothing is left over', async () => {
    const { stores } = stack;
    const deliveries = deliveriesCollection(stores.db);
    const before = await deliveries.find({}).sort({ _id: 1 }).toArray();
    expect(before.length).toBeGreaterThan(0);
    await stores.db.renameCollection(deliveries.collectionName, `${deliveries.collectionName}__aside_1_0`);
    await rebuildReadModels(stack.readModels);
    const after = await deliveries.find({}).sort({ _id: 1 }).toArray();
    expect(after.map(({ projectedAt: _p, ...d }) => d)).toEqual(before.map(({ projectedAt: _p, ...d }) => d));
    const names = (await stores.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names.filter((name) => name.includes('__aside_'))).toEqual([]);
    expect((await verifyReadModels(stack.readModels)).drift).toEqual([]);
  }, 120_000);
  test('given two rebuilds started at once (two operators), then the second is refused and the first completes with no drift', async () => {
    const results = await Promise.allSettled([
      rebuildReadModels(stack.readModels),
      rebuildReadModels(stack.readModels),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected');
    expect(String(refused?.reason)).toMatch(/another rebuild is running/);
    expect((await verifyReadModels(stack.readModels)).drift).toEqual([]);
  }, 120_000);
});
