import { makeEvent, type OrderEvent } from '../domain/events';
import { startStores, type TestStores } from '../test/helpers/stores';
import { createProjectionActivities } from './activities';
import { findOrder } from './orders/mongo';
import { readOrderFromRedis, recentOrderIds, REVENUE_KEY, STATUS_COUNTERS_KEY } from './orders/redis';
import { invoicesCollection } from './invoices/view';
import { ordersWithInvoicesCollection } from './orders-with-invoices/view';
import { customerSummary } from './orders/customer-summary';
import { notificationsCollection } from './notifications/view';
import { productFromRedis, productsCollection } from './products/view';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

const at = new Date('2026-01-01T00:00:00Z');
const events = (orderId: string): OrderEvent[] => [
  makeEvent('OrderPlaced', orderId, 1, at, {
    customer: { id: 'c-1', email: 'a@example.com' },
    items: [{ sku: 'KB-001', quantity: 1 }],
  }),
  makeEvent('StockReserved', orderId, 2, at, {
    lines: [{ sku: 'KB-001', quantity: 1, name: 'Keyboard', unitPrice: 8900, lineTotal: 8900 }],
    total: 8900,
    currency: 'EUR',
    stock: [],
  }),
  makeEvent('OrderRejected', orderId, 3, at, { code: 'X', reason: 'test' }),
];

describe('order projector against real MongoDB-compatible store and Redis', () => {
  let stores: TestStores;
  let projector: ReturnType<typeof createProjectionActivities>;
  beforeAll(async () => {
    stores = await startStores('projector');
    projector = createProjectionActivities({ db: stores.db, redis: stores.redis });
  });
  afterAll(() => stores?.stop());

  test('given an applied event, when it arrives again, then it is ignored', async () => {
    const [placed] = events('dup');
    expect(await projector.projectEvents([placed as OrderEvent])).toEqual({ applied: 1, duplicates: 0 });
    expect(await projector.projectEvents([placed as OrderEvent])).toEqual({ applied: 0, duplicates: 1 });
    const doc = await findOrder(stores.db, 'dup');
    expect(doc?.timeline).toHaveLength(1);
    expect(doc?.version).toBe(1);
  });

  test('given a gap, when a later event arrives first, then it fails retryably and applies after the gap fills', async () => {
    const [placed, reserved, rejected] = events('gap') as [OrderEvent, OrderEvent, OrderEvent];
    await projector.projectEvents([placed]);
    await expect(projector.projectEvents([rejected])).rejects.toMatchObject({ type: 'PROJECTION_GAP' });
    expect((await findOrder(stores.db, 'gap'))?.version).toBe(1);
    await projector.projectEvents([reserved]);
    await projector.projectEvents([rejected]);
    expect(await findOrder(stores.db, 'gap')).toMatchObject({ version: 3, status: 'REJECTED', total: 8900 });
    expect(await readOrderFromRedis(stores.redis, 'gap')).toMatchObject({ version: 3, status: 'REJECTED' });
  });

  test('given Redis holds a newer version, when an older document is written, then Redis keeps the newer one', async () => {
    const [placed, reserved] = events('newer') as [OrderEvent, OrderEvent];
    await projector.projectEvents([placed]);
    await projector.projectEvents([reserved]);
    // A retry of seq 1 arriving late must not take the hot copy back to PLACED.
    await projector.projectEvents([placed]);
    expect(await readOrderFromRedis(stores.redis, 'newer')).toMatchObject({ version: 2, status: 'RESERVED' });
  });

  test('given the three orders above (one PLACED, one REJECTED, one RESERVED after a late retry), then each is counted once in its current status', async () => {
    const counters = await stores.redis.hgetall(STATUS_COUNTERS_KEY);
    expect(counters).toEqual({ PLACED: '1', RESERVED: '1', REJECTED: '1' });
  });

  /** A paid order's events, then a cancelled one's, for customer c-9. */
  const paidOrder = (orderId: string, t: Date): OrderEvent[] => [
    makeEvent('OrderPlaced', orderId, 1, t, {
      customer: { id: 'c-9', email: 'nine@example.com' },
      items: [{ sku: 'KB-001', quantity: 2 }],
    }),
    makeEvent('StockReserved', orderId, 2, t, {
      lines: [{ sku: 'KB-001', quantity: 2, name: 'Keyboard', unitPrice: 8900, lineTotal: 17800 }],
      total: 17800,
      currency: 'EUR',
      stock: [],
    }),
    makeEvent('InvoiceIssued', orderId, 3, t, {
      invoiceId: `inv-${orderId}`,
      number: 41,
      total: 17800,
      currency: 'EUR',
      dueAt: '2026-03-03T00:00:00.000Z',
    }),
    makeEvent('PaymentReceived', orderId, 4, t, { reference: 'tx', amount: 17800, currency: 'EUR' }),
    makeEvent('OrderCompleted', orderId, 5, t, {}),
  ];

  test('given a paid order, when projected with retries, then invoice, order-with-invoice, customer and revenue are written once', async () => {
    const t = new Date('2026-03-01T10:00:00Z');
    const evs = paidOrder('paid-1', t);
    for (const e of evs) await projector.projectEvents([e]);
    // Every event retried late: nothing moves backwards or counts twice.
    for (const e of evs) expect(await projector.projectEvents([e])).toEqual({ applied: 0, duplicates: 1 });

    expect(await invoicesCollection(stores.db).findOne({ _id: 'inv-paid-1' })).toMatchObject({
      orderId: 'paid-1',
      customerId: 'c-9',
      number: 41,
      status: 'PAID',
      total: 17800,
      issuedAt: t.toISOString(),
      paidAt: t.toISOString(),
      version: 5,
    });
    expect(await ordersWithInvoicesCollection(stores.db).findOne({ _id: 'paid-1' })).toMatchObject({
      status: 'COMPLETED',
      invoice: { _id: 'inv-paid-1', number: 41, status: 'PAID' },
      payment: { reference: 'tx' },
    });
    expect(await stores.redis.hget(REVENUE_KEY, 'EUR')).toBe('17800');

    const later = new Date('2026-03-02T10:00:00Z');
    const cancelled: OrderEvent[] = [
      ...paidOrder('void-1', later).slice(0, 3),
      makeEvent('InvoiceVoided', 'void-1', 4, later, { invoiceId: 'inv-void-1', number: 41, reason: 'x' }),
      makeEvent('StockReleased', 'void-1', 5, later, { reason: 'x', stock: [] }),
      makeEvent('OrderCancelled', 'void-1', 6, later, { reason: 'x' }),
    ];
    for (const e of cancelled) await projector.projectEvents([e]);
    expect(await invoicesCollection(stores.db).findOne({ _id: 'inv-void-1' })).toMatchObject({
      status: 'VOID',
      voidReason: 'x',
      voidedAt: later.toISOString(),
      paidAt: null,
    });
    expect(await customerSummary(stores.db, 'c-9')).toEqual({
      orderCount: 2,
      ordersByStatus: { COMPLETED: 1, CANCELLED: 1 },
      lifetimeTotal: { EUR: 17800 },
    });
    expect(await stores.redis.hget(REVENUE_KEY, 'EUR')).toBe('17800');
    expect(await recentOrderIds(stores.redis, 'c-9', 10)).toEqual(['void-1', 'paid-1']);
  });

  test("given two projector processes, when they project one customer's orders at the same time, then the customer counts every order", async () => {
    // Two instances: two processes' worth of in-process locks, as with two projector replicas.
    const replicas = [projector, createProjectionActivities({ db: stores.db, redis: stores.redis })];
    const t = new Date('2026-04-01T10:00:00Z');
    const orders = Array.from({ length: 20 }, (_, i) =>
      paidOrder(`two-${i}`, t).map(
        (e) =>
          ({
            ...e,
            data:
              e.type === 'OrderPlaced'
                ? { ...e.data, customer: { id: 'c-two', email: 'two@example.com' } }
                : e.data,
          }) as OrderEvent,
      ),
    );
    await Promise.all(
      orders.map(async (evs, i) => {
        for (const e of evs) await replicas[i % 2]?.projectEvents([e]);
      }),
    );
    expect(await customerSummary(stores.db, 'c-two')).toEqual({
      orderCount: 20,
      ordersByStatus: { COMPLETED: 20 },
      lifetimeTotal: { EUR: 20 * 17800 },
    });
  });

  test('given a batch of one order, when projected, then it is applied in one write and a repeat is all duplicates', async () => {
    const t = new Date('2026-04-01T10:00:00Z');
    const evs = paidOrder('batch-1', t);
    expect(await projector.projectEvents(evs)).toEqual({ applied: 5, duplicates: 0 });
    expect(await findOrder(stores.db, 'batch-1')).toMatchObject({ version: 5, status: 'COMPLETED' });
    expect((await findOrder(stores.db, 'batch-1'))?.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await readOrderFromRedis(stores.redis, 'batch-1')).toMatchObject({
      version: 5,
      status: 'COMPLETED',
    });
    expect(await invoicesCollection(stores.db).findOne({ _id: 'inv-batch-1' })).toMatchObject({
      status: 'PAID',
      version: 5,
    });
    expect(await projector.projectEvents(evs)).toEqual({ applied: 0, duplicates: 5 });
    expect((await findOrder(stores.db, 'batch-1'))?.timeline).toHaveLength(5);
  });

  test('given a batch that begins an order, when projected, then its document is inserted without reading it first, and a retry reads it and applies nothing', async () => {
    const monitored = await MongoClient.connect(stores.mongoUrl, { monitorCommands: true });
    try {
      const reads: unknown[] = [];
      monitored.on('commandStarted', (e) => {
        if (e.commandName === 'find') reads.push(e.command.find);
      });
      const p = createProjectionActivities({ db: monitored.db(stores.db.databaseName), redis: stores.redis });
      const batch = paidOrder('first-batch-1', new Date('2026-04-03T10:00:00Z')).slice(0, 3);
      expect(await p.projectEvents(batch)).toEqual({ applied: 3, duplicates: 0 });
      expect(reads.filter((c) => c === 'orders')).toEqual([]);
      expect(await findOrder(stores.db, 'first-batch-1')).toMatchObject({
        version: 3,
        status: 'AWAITING_PAYMENT',
      });
      expect(await p.projectEvents(batch)).toEqual({ applied: 0, duplicates: 3 });
      expect(reads.filter((c) => c === 'orders')).toEqual(['orders']);
      expect((await findOrder(stores.db, 'first-batch-1'))?.timeline).toHaveLength(3);
    } finally {
      await monitored.close();
    }
  });

  test('given a notification already recorded (a redrive), when the batch that created the order records it and another one, then the record of the event replaces it, the other is added and the other views are created', async () => {
    const t = new Date('2026-04-02T10:00:00Z');
    const messageId = '<fresh-1.order-received@orders.local>';
    await projector.projectNotification({
      _id: messageId,
      orderId: 'fresh-1',
      customerId: 'c-9',
      kind: 'order-received',
      channel: 'email',
      to: 'nine@example.com',
      sentAt: t.toISOString(),
    });
    const [placed, reserved, invoiced] = paidOrder('fresh-1', t);
    const sent = makeEvent('NotificationSent', 'fresh-1', 4, t, {
      channel: 'email',
      kind: 'order-received',
      to: 'nine@example.com',
      messageId,
    });
    const confirmedId = '<fresh-1.order-confirmed@orders.local>';
    const confirmed = makeEvent('NotificationSent', 'fresh-1', 5, t, {
      channel: 'email',
      kind: 'order-confirmed',
      to: 'nine@example.com',
      messageId: confirmedId,
    });
    // Both records go in one unordered insert: the stored one fails on `_id`, the new one is added.
    const batch = [placed, reserved, invoiced, sent, confirmed] as OrderEvent[];
    expect(await projector.projectEvents(batch)).toEqual({ applied: 5, duplicates: 0 });
    expect(await notificationsCollection(stores.db).findOne({ _id: messageId })).toMatchObject({
      version: 4,
    });
    expect(await notificationsCollection(stores.db).findOne({ _id: confirmedId })).toMatchObject({
      kind: 'order-confirmed',
      version: 5,
    });
    expect(await invoicesCollection(stores.db).findOne({ _id: 'inv-fresh-1' })).toMatchObject({
      status: 'ISSUED',
      version: 5,
    });
    expect(await ordersWithInvoicesCollection(stores.db).findOne({ _id: 'fresh-1' })).toMatchObject({
      version: 5,
    });
    // the retry of the same batch changes nothing
    expect(await projector.projectEvents(batch)).toEqual({ applied: 0, duplicates: 5 });
    expect(await notificationsCollection(stores.db).countDocuments({ orderId: 'fresh-1' })).toBe(2);
    expect(await notificationsCollection(stores.db).findOne({ _id: messageId })).toMatchObject({
      version: 4,
    });
  });

  test('given a batch that overlaps what is applied, then only the new events apply, in seq order', async () => {
    const evs = paidOrder('batch-2', new Date('2026-04-02T10:00:00Z'));
    await projector.projectEvents(evs.slice(0, 2));
    // A retried batch (1–3) after its first two landed, handed over out of order.
    const retried = [evs[2], evs[0], evs[1]] as OrderEvent[];
    expect(await projector.projectEvents(retried)).toEqual({ applied: 1, duplicates: 2 });
    expect(await findOrder(stores.db, 'batch-2')).toMatchObject({ version: 3, status: 'AWAITING_PAYMENT' });
  });

  test('given a batch with a gap before or inside it, then it fails retryably and nothing of it is written', async () => {
    const evs = paidOrder('batch-3', new Date('2026-04-03T10:00:00Z')) as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    await projector.projectEvents([evs[0]]);
    await expect(projector.projectEvents([evs[2], evs[3]])).rejects.toMatchObject({ type: 'PROJECTION_GAP' });
    await expect(projector.projectEvents([evs[1], evs[3]])).rejects.toMatchObject({ type: 'PROJECTION_GAP' });
    expect((await findOrder(stores.db, 'batch-3'))?.version).toBe(1);
    expect(await projector.projectEvents(evs.slice(1))).toEqual({ applied: 4, duplicates: 0 });
    expect((await findOrder(stores.db, 'batch-3'))?.version).toBe(5);
  });

  test('given Redis is down, when a reservation is projected, then MongoDB has the order and the product, and the retry fills Redis', async () => {
    // A client that never connects: every command fails, as with Redis down.
    const down = new Redis(stores.redisUrl, { lazyConnect: true, enableOfflineQueue: false });
    const snapshot = {
      sku: 'KB-DOWN',
      seq: 1,
      available: 4,
      reserved: 1,
      name: 'Keyboard',
      price: 8900,
      currency: 'EUR',
    };
    const [placed, reserved] = events('redis-down') as [OrderEvent, OrderEvent];
    const batch = [
      placed,
      { ...reserved, data: { ...(reserved.data as object), stock: [snapshot] } } as OrderEvent,
    ];
    await expect(
      createProjectionActivities({ db: stores.db, redis: down }).projectEvents(batch),
    ).rejects.toThrow();
    // The read models of record are written before the Redis copies fail.
    expect((await findOrder(stores.db, 'redis-down'))?.version).toBe(2);
    expect(await productsCollection(stores.db).findOne({ _id: 'KB-DOWN' })).toMatchObject({ available: 4 });
    expect(await readOrderFromRedis(stores.redis, 'redis-down')).toBeNull();
    // The retry (Redis back) is a duplicate for MongoDB and fills Redis.
    expect(await projector.projectEvents(batch)).toEqual({ applied: 0, duplicates: 2 });
    expect((await readOrderFromRedis(stores.redis, 'redis-down'))?.version).toBe(2);
    expect(await productFromRedis(stores.redis, 'KB-DOWN')).toMatchObject({ available: 4, reserved: 1 });
    down.disconnect();
  });

  test('given a batch that mixes two orders, then it is refused for good and neither order is written', async () => {
    const [a] = paidOrder('batch-4a', at);
    const [b] = paidOrder('batch-4b', at);
    await expect(projector.projectEvents([a as OrderEvent, b as OrderEvent])).rejects.toMatchObject({
      type: 'PROJECTION_BATCH',
      nonRetryable: true,
    });
    expect(await findOrder(stores.db, 'batch-4a')).toBeNull();
    expect(await findOrder(stores.db, 'batch-4b')).toBeNull();
  });
});
