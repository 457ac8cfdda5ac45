import type { FastifyInstance } from 'fastify';
import { createInventoryActivities } from '../activities/inventory';
import { ensureInventoryIndexes, inventoryCollections } from '../activities/stock-ledger';
import { makeEvent } from '../domain/events';
import { createProjectionActivities } from '../projections/activities';
import { applyStockSnapshot, productsCollection } from '../projections/products/view';
import { startStores, type TestStores } from '../test/helpers/stores';
import { testApp } from '../test/helpers/app';
import { AS_ADMIN } from '../test/helpers/auth';

describe('product catalog commands and reads against the real Mongo-compatible store and Redis', () => {
  let stores: TestStores;
  let app: FastifyInstance;
  beforeAll(async () => {
    stores = await startStores('products');
    await ensureInventoryIndexes(stores.db);
    app = await testApp({ db: stores.db, redis: stores.redis });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await stores?.stop();
  });

  const send = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const headers = AS_ADMIN;
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>(), headers: res.headers };
  };
  const lamp = { sku: 'LAMP-1', name: 'Desk lamp', price: 3900, currency: 'EUR', stock: 5 };

  test('given a new product, when created, then it is readable at once from Redis and listed in the catalog', async () => {
    const created = await send('POST', '/products', lamp);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/products/LAMP-1');
    expect(created.body).toMatchObject({ sku: 'LAMP-1', available: 5, reserved: 0, freshness: { seq: 1 } });
    expect((await send('GET', '/products/LAMP-1')).body).toMatchObject({
      name: 'Desk lamp',
      price: 3900,
      available: 5,
      freshness: { source: 'redis', seq: 1 },
    });
    const catalog = (await send('GET', '/catalog')).body.items as { sku: string }[];
    expect(catalog.map((p) => p.sku)).toContain('LAMP-1');
    expect(await productsCollection(stores.db).findOne({ _id: 'LAMP-1' })).toMatchObject({ available: 5 });
  });

  test('given an existing SKU, when created again, then 409 names body.sku and nothing changes', async () => {
    const again = await send('POST', '/products', { ...lamp, price: 1 });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ errors: [{ field: 'body.sku' }] });
    expect((await send('GET', '/products/LAMP-1')).body).toMatchObject({ price: 3900 });
  });

  test.each([
    ['a negative price', { ...lamp, sku: 'X-1', price: -1 }, 'body.price'],
    ['a lower-case currency', { ...lamp, sku: 'X-1', currency: 'eur' }, 'body.currency'],
    ['a fractional stock', { ...lamp, sku: 'X-1', stock: 1.5 }, 'body.stock'],
    ['no name', { sku: 'X-1', price: 1, currency: 'EUR', stock: 1 }, 'body.name'],
    ['a SKU with a slash', { ...lamp, sku: 'A/B' }, 'body.sku'],
    ['an unknown field', { ...lamp, sku: 'X-1', colour: 'red' }, 'body.colour'],
  ])('given %s, when creating, then 400 names the field and nothing is written', async (_n, body, field) => {
    const res = await send('POST', '/products', body);
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    expect(await productsCollection(stores.db).findOne({ _id: 'X-1' })).toBeNull();
  });

  test('given a product, when renamed and repriced, then reads show it and the change is a ledger movement', async () => {
    const changed = await send('PATCH', '/products/LAMP-1', { name: 'Desk lamp (LED)', price: 4200 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'Desk lamp (LED)',
      price: 4200,
      available: 5,
      freshness: { seq: 2 },
    });
    expect((await send('PATCH', '/products/LAMP-1', {})).status).toBe(400);
    expect((await send('PATCH', '/products/NOPE', { price: 1 })).status).toBe(404);
  });

  test('given a name and a price changed at once, then both land, and an order is priced at what the catalog shows', async () => {
    await send('POST', '/products', { ...lamp, sku: 'DUO-1' });
    const patch = (body: object, key: string) =>
      app.inject({
        method: 'PATCH',
        url: '/products/DUO-1',
        payload: body,
        headers: { ...AS_ADMIN, 'idempotency-key': key },
      });
    const answers = await Promise.all([
      patch({ name: 'Duo lamp' }, 'rename-1'),
      patch({ price: 5100 }, 'reprice-1'),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    const shown = (await send('GET', '/products/DUO-1')).body;
    expect(shown).toMatchObject({ name: 'Duo lamp', price: 5100 });
    const reservation = await createInventoryActivities({ db: stores.db }).reserveStock({
      orderId: 'o-duo',
      items: [{ sku: 'DUO-1', quantity: 1 }],
    });
    expect(reservation.lines).toEqual([
      { sku: 'DUO-1', quantity: 1, name: 'Duo lamp', unitPrice: 5100, lineTotal: 5100 },
    ]);
    // the same key again is the same change; with another change, refused like an order's key
    expect((await patch({ price: 5100 }, 'reprice-1')).statusCode).toBe(200);
    const reused = await patch({ price: 9900 }, 'reprice-1');
    expect(reused.statusCode).toBe(422);
    expect(reused.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('headers.idempotency-key');
    expect((await send('GET', '/products/DUO-1')).body).toMatchObject({ price: 5100 });
  });

  test('given reservations, when stock is adjusted, then it can never go below what is reserved', async () => {
    expect(
      (await send('POST', '/products/LAMP-1/stock-adjustments', { delta: 10, reason: 'delivery' })).body,
    ).toMatchObject({ available: 15, reserved: 0 });
    // An order reserves 12; the projector applies the snapshot its StockReserved event carries.
    const inventory = createInventoryActivities({ db: stores.db });
    const reservation = await inventory.reserveStock({
      orderId: 'o-lamp',
      items: [{ sku: 'LAMP-1', quantity: 12 }],
    });
    expect(reservation.lines[0]).toMatchObject({ name: 'Desk lamp (LED)', unitPrice: 4200 });
    const projector = createProjectionActivities({ db: stores.db, redis: stores.redis });
    const placed = makeEvent('OrderPlaced', 'o-lamp', 1, new Date(), {
      customer: { id: 'c-1', email: 'a@example.com' },
      items: [{ sku: 'LAMP-1', quantity: 12 }],
    });
    await projector.projectEvents([placed]);
    await projector.projectEvents([makeEvent('StockReserved', 'o-lamp', 2, new Date(), reservation)]);
    expect((await send('GET', '/products/LAMP-1')).body).toMatchObject({ available: 3, reserved: 12 });

    const tooMuch = await send('POST', '/products/LAMP-1/stock-adjustments', { delta: -4, reason: 'broken' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ errors: [{ field: 'body.delta' }] });
    expect(
      (await send('POST', '/products/LAMP-1/stock-adjustments', { delta: -3, reason: 'broken' })).body,
    ).toMatchObject({ available: 0, reserved: 12 });
    expect((await send('POST', '/products/LAMP-1/stock-adjustments', { delta: 0, reason: 'x' })).status).toBe(
      400,
    );

    const kinds = await inventoryCollections(stores.db)
      .movements.find({ sku: 'LAMP-1' })
      .sort({ seq: 1 })
      .toArray();
    expect(kinds.map((m) => [m.kind, m.delta])).toEqual([
      ['seed', 5],
      ['update', 0],
      ['adjust', 10],
      ['reserve', -12],
      ['adjust', -3],
    ]);
  });

  test('given a newer snapshot applied, when an older one arrives late, then the read models keep the newer', async () => {
    const before = (await send('GET', '/products/LAMP-1')).body;
    await applyStockSnapshot(
      stores.db,
      stores.redis,
      { sku: 'LAMP-1', seq: 1, available: 5, reserved: 0, name: 'Desk lamp', price: 3900, currency: 'EUR' },
      new Date(),
    );
    expect((await send('GET', '/products/LAMP-1')).body).toEqual(before);
    expect(await productsCollection(stores.db).findOne({ _id: 'LAMP-1' })).toMatchObject({ version: 5 });
  });
});
