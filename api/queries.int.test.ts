import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { makeEvent, type OrderEvent } from '../domain/events';
import { freePort } from '../stack/process';
import { startRedis } from '../stack/stores';
import { connectRedis } from '../worker/clients';
import { cacheDir, tempDir } from '../test/helpers/env';
import { createProjectionActivities } from '../projections/activities';
import { ensureReadModelIndexes } from '../projections/indexes';
import { startStores, type TestStores } from '../test/helpers/stores';
import { testApp } from '../test/helpers/app';
import { AS_SUPPORT } from '../test/helpers/auth';

/** Events of one order up to the status wanted, at the given time. */
function history(
  orderId: string,
  customerId: string,
  at: Date,
  upTo: 'PLACED' | 'AWAITING_PAYMENT' | 'COMPLETED',
) {
  const events: OrderEvent[] = [
    makeEvent('OrderPlaced', orderId, 1, at, {
      customer: { id: customerId, email: `${customerId}@example.com` },
      items: [{ sku: 'KB-001', quantity: 1 }],
    }),
  ];
  if (upTo === 'PLACED') return events;
  events.push(
    makeEvent('StockReserved', orderId, 2, at, {
      lines: [{ sku: 'KB-001', quantity: 1, name: 'Keyboard', unitPrice: 8900, lineTotal: 8900 }],
      total: 8900,
      currency: 'EUR',
      stock: [],
    }),
    makeEvent('InvoiceIssued', orderId, 3, at, {
      invoiceId: `inv-${orderId}`,
      number: 1,
      total: 8900,
      currency: 'EUR',
      dueAt: '2026-05-03T00:00:00.000Z',
    }),
  );
  if (upTo === 'AWAITING_PAYMENT') return events;
  events.push(
    makeEvent('PaymentReceived', orderId, 4, at, {
      reference: `tx-${orderId}`,
      amount: 8900,
      currency: 'EUR',
    }),
    makeEvent('OrderCompleted', orderId, 5, at, {}),
  );
  return events;
}

describe('query API against the real Mongo-compatible store and Redis', () => {
  let stores: TestStores;
  let app: FastifyInstance;
  let projector: ReturnType<typeof createProjectionActivities>;
  const appOn = (redis: Redis) => testApp({ db: stores.db, redis });

  beforeAll(async () => {
    stores = await startStores('queries');
    await ensureReadModelIndexes(stores.db);
    projector = createProjectionActivities({ db: stores.db, redis: stores.redis });
    // 7 orders: q-0..q-4 for alice (q-1 and q-2 placed at the same instant), q-5, q-6 for bob.
    const t = (minute: number) => new Date(Date.UTC(2026, 4, 1, 10, minute));
    const plan: [string, string, Date, 'PLACED' | 'AWAITING_PAYMENT' | 'COMPLETED'][] = [
      ['q-0', 'alice', t(0), 'COMPLETED'],
      ['q-1', 'alice', t(1), 'AWAITING_PAYMENT'],
      ['q-2', 'alice', t(1), 'COMPLETED'],
      ['q-3', 'alice', t(2), 'PLACED'],
      ['q-4', 'alice', t(3), 'COMPLETED'],
      ['q-5', 'bob', t(4), 'AWAITING_PAYMENT'],
      ['q-6', 'bob', t(5), 'PLACED'],
    ];
    for (const [id, customer, at, upTo] of plan) {
      for (const e of history(id, customer, at, upTo)) await projector.projectEvents([e]);
    }
    app = await appOn(stores.redis);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await stores?.stop();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: AS_SUPPORT });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };
  const ids = (body: Record<string, unknown>) => (body.items as { orderId: string }[]).map((i) => i.orderId);

  test('given 7 orders, when paged 3 at a time, then every order comes once, newest first, ties broken by id', async () => {
    const seen: string[] = [];
    let url = '/orders?limit=3';
    let pages = 0;
    for (;;) {
      const { status, body } = await get(url);
      expect(status).toBe(200);
      seen.push(...ids(body));
      pages++;
      if (body.nextCursor === null) break;
      url = `/orders?limit=3&cursor=${body.nextCursor as string}`;
    }
    expect(seen).toEqual(['q-6', 'q-5', 'q-4', 'q-3', 'q-2', 'q-1', 'q-0']);
    expect(pages).toBe(3);
  });

  test('given an exact last page, then its nextCursor is null; a filter matching nothing is an empty page', async () => {
    expect((await get('/orders?limit=7')).body.nextCursor).toBeNull();
    expect((await get('/orders?limit=6')).body.nextCursor).not.toBeNull();
    expect((await get('/orders?customerId=nobody')).body).toEqual({ items: [], nextCursor: null });
  });

  test('given filters, then only matching orders come back, with their freshness', async () => {
    expect(ids((await get('/orders?customerId=alice&status=COMPLETED')).body)).toEqual(['q-4', 'q-2', 'q-0']);
    expect(ids((await get('/orders?from=2026-05-01T10:01:00Z&to=2026-05-01T10:03:00Z')).body)).toEqual([
      'q-3',
      'q-2',
      'q-1',
    ]);
    const [first] = (await get('/orders?customerId=bob&limit=1')).body.items as Record<string, unknown>[];
    expect(first).toMatchObject({
      orderId: 'q-6',
      status: 'PLACED',
      freshness: { source: 'mongodb', seq: 1 },
    });
  });

  test.each([
    ['/orders?cursor=not-a-cursor', 'querystring.cursor'],
    ['/orders?limit=101', 'querystring.limit'],
    ['/orders?limit=0', 'querystring.limit'],
    ['/orders?limit=ten', 'querystring.limit'],
    ['/orders?status=LOST', 'querystring.status'],
    ['/orders?from=yesterday', 'querystring.from'],
    ['/orders?sort=desc', 'querystring.sort'],
  ])('given %s, then 400 problem+json naming %s', async (url, field) => {
    const res = await app.inject({ method: 'GET', url, headers: AS_SUPPORT });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
  });

  test('given an order, then its events, its invoice and its customer are each one read', async () => {
    const events = await get('/orders/q-2/events');
    expect((events.body.events as { type: string }[]).map((e) => e.type)).toEqual([
      'OrderPlaced',
      'StockReserved',
      'InvoiceIssued',
      'PaymentReceived',
      'OrderCompleted',
    ]);
    expect(events.body.freshness).toMatchObject({ seq: 5 });
    expect((await get('/invoices/inv-q-1')).body).toMatchObject({
      orderId: 'q-1',
      status: 'ISSUED',
      total: 8900,
    });
    const paid = (await get('/invoices/inv-q-2')).body;
    expect(paid).toMatchObject({ status: 'PAID' });
    expect(typeof paid.paidAt).toBe('string');
    expect((await get('/invoices/inv-q-3')).status).toBe(404);
    const alice = await get('/customers/alice/orders?limit=2');
    expect(alice.body).toMatchObject({
      customerId: 'alice',
      orderCount: 5,
      ordersByStatus: { COMPLETED: 3, AWAITING_PAYMENT: 1, PLACED: 1 },
      lifetimeTotal: { EUR: 3 * 8900 },
    });
    expect(ids(alice.body)).toEqual(['q-4', 'q-3']);
    expect(alice.body.source).toBe('redis');
    // The first page came from Redis; its cursor goes on in MongoDB without a gap or a repeat.
    const rest = await get(`/customers/alice/orders?limit=2&cursor=${alice.body.nextCursor as string}`);
    expect(rest.body).toMatchObject({ source: 'mongodb' });
    expect(ids(rest.body)).toEqual(['q-2', 'q-1']);
    expect((await get('/customers/nobody/orders')).status).toBe(404);
    const stats = (await get('/stats')).body;
    expect(stats).toMatchObject({
      ordersByStatus: { COMPLETED: 3, AWAITING_PAYMENT: 2, PLACED: 2 },
      revenue: { EUR: 3 * 8900 },
      // 5 + 3 + 5 + 1 + 5 + 3 + 1 events over the 7 orders
      freshness: { source: 'redis', events: 23 },
    });
    expect(Date.parse((stats.freshness as { projectedAt: string }).projectedAt)).not.toBeNaN();
  });

  test("given the customer's recent list in Redis is incomplete, then the first page comes from MongoDB, the same", async () => {
    const fromRedis = await get('/customers/alice/orders?limit=3');
    await stores.redis.zrem('customer:alice:orders', 'q-0');
    const fromMongo = await get('/customers/alice/orders?limit=3');
    expect(fromRedis.body.source).toBe('redis');
    expect(fromMongo.body.source).toBe('mongodb');
    const sourceless = (body: Record<string, unknown>) =>
      JSON.stringify(body).replaceAll('"source":"mongodb"', '"source":"redis"');
    expect(sourceless(fromMongo.body)).toBe(sourceless(fromRedis.body));
  });

  test('given a client waiting for its own write (minSeq), when the event lands meanwhile, then the answer reflects it', async () => {
    const [, reserved] = history('q-6', 'bob', new Date(Date.UTC(2026, 4, 1, 10, 5)), 'AWAITING_PAYMENT');
    const answer = app.inject({ method: 'GET', url: '/orders/q-6?minSeq=2', headers: AS_SUPPORT });
    setTimeout(() => void projector.projectEvents([reserved as OrderEvent]), 300);
    const res = await answer;
    expect(res.json()).toMatchObject({ status: 'RESERVED', freshness: { seq: 2 } });
    // Beyond what exists, the wait is bounded and the answer says how far it got.
    const started = Date.now();
    const stale = await app.inject({ method: 'GET', url: '/orders/q-6?minSeq=9', headers: AS_SUPPORT });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stale.json()).toMatchObject({ freshness: { seq: 2 } });
  });

  test('given Redis is down, then an order and the stats are still answered from MongoDB', async () => {
    // A Redis of its own, connected the way the API connects, then stopped under it.
    const dir = tempDir('redis-down');
    const server = await startRedis({ cacheDir, dataDir: dir.path, port: await freePort() });
    const down = connectRedis(server.url);
    down.on('error', () => undefined);
    const fallback = await appOn(down);
    try {
      if (down.status !== 'ready') await new Promise((ready) => down.once('ready', ready));
      await server.stop();
      const order = await fallback.inject({ method: 'GET', url: '/orders/q-4', headers: AS_SUPPORT });
      expect(order.statusCode).toBe(200);
      expect(order.json()).toMatchObject({ status: 'COMPLETED', freshness: { source: 'mongodb', seq: 5 } });
      const stats = await fallback.inject({ method: 'GET', url: '/stats', headers: AS_SUPPORT });
      // The same figures, reflecting the same events (q-6 got its second since the stats above).
      expect(stats.json()).toMatchObject({
        revenue: { EUR: 3 * 8900 },
        freshness: { source: 'mongodb', events: 24 },
      });
    } finally {
      await fallback.close();
      down.disconnect();
      await server.stop();
      dir.remove();
    }
  });
});
