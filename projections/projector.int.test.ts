import { makeEvent, type OrderEvent } from '../domain/events';
import { startStores, type TestStores } from '../test/helpers/stores';
import { createProjectionActivities } from './activities';
import { findOrder } from './orders/mongo';
import { readOrderFromRedis, STATUS_COUNTERS_KEY } from './orders/redis';

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
    expect(await projector.projectEvent(placed as OrderEvent)).toEqual({ outcome: 'applied' });
    expect(await projector.projectEvent(placed as OrderEvent)).toEqual({ outcome: 'duplicate' });
    const doc = await findOrder(stores.db, 'dup');
    expect(doc?.timeline).toHaveLength(1);
    expect(doc?.version).toBe(1);
  });

  test('given a gap, when a later event arrives first, then it fails retryably and applies after the gap fills', async () => {
    const [placed, reserved, rejected] = events('gap') as [OrderEvent, OrderEvent, OrderEvent];
    await projector.projectEvent(placed);
    await expect(projector.projectEvent(rejected)).rejects.toMatchObject({ type: 'PROJECTION_GAP' });
    expect((await findOrder(stores.db, 'gap'))?.version).toBe(1);
    await projector.projectEvent(reserved);
    await projector.projectEvent(rejected);
    expect(await findOrder(stores.db, 'gap')).toMatchObject({ version: 3, status: 'REJECTED', total: 8900 });
    expect(await readOrderFromRedis(stores.redis, 'gap')).toMatchObject({ version: 3, status: 'REJECTED' });
  });

  test('given Redis holds a newer version, when an older document is written, then Redis keeps the newer one', async () => {
    const [placed, reserved] = events('newer') as [OrderEvent, OrderEvent];
    await projector.projectEvent(placed);
    await projector.projectEvent(reserved);
    // A retry of seq 1 arriving late must not take the hot copy back to PLACED.
    await projector.projectEvent(placed);
    expect(await readOrderFromRedis(stores.redis, 'newer')).toMatchObject({ version: 2, status: 'RESERVED' });
  });

  test('given the three orders above (one PLACED, one REJECTED, one RESERVED after a late retry), then each is counted once in its current status', async () => {
    const counters = await stores.redis.hgetall(STATUS_COUNTERS_KEY);
    expect(counters).toEqual({ PLACED: '1', RESERVED: '1', REJECTED: '1' });
  });
});
