import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { MongoClient, type Db } from 'mongodb';
import { freePort, type Service } from '../stack/process';
import { startRedis } from '../stack/stores';
import { writeOrderToRedis } from '../projections/orders/redis';
import type { OrderDoc } from '../projections/orders/view';
import { cacheDir, tempDir } from '../test/helpers/env';
import { OrderChanges } from './order-changes';
import { readOrderAtLeast } from './read-order';
import { eventually } from '../test/helpers/poll';

const doc = (id: string, version: number): OrderDoc => ({
  _id: id,
  version,
  status: version < 4 ? 'PLACED' : 'AWAITING_PAYMENT',
  customer: { id: 'c-1', email: 'c@example.com' },
  items: [],
  lines: [],
  total: 900,
  currency: 'EUR',
  invoice: null,
  payment: null,
  reason: null,
  placedAt: '2026-11-24T10:00:00.000Z',
  updatedAt: '2026-11-24T10:00:00.000Z',
  timeline: [],
  projectedAt: new Date(),
});

/** The projector's Redis script announces each applied version; a waiting reader wakes on it. */
describe('order change announcements on real Redis', () => {
  const dir = tempDir('changes');
  let server: Service;
  let redis: Redis;
  let changes: OrderChanges;

  beforeAll(async () => {
    server = await startRedis({ cacheDir, dataDir: dir.path, port: await freePort() });
    redis = new Redis(server.url);
    changes = new OrderChanges(redis.duplicate());
    // The subscription is up once an announcement arrives.
    const warm = changes.until('warm', 1, 5000);
    await writeOrderToRedis(redis, doc('warm', 1));
    await warm.done;
  });
  afterAll(async () => {
    changes.close();
    redis.disconnect();
    await server.stop();
    dir.remove();
  });

  test('given a reader waiting for version 3, then a write of 2 does not wake it and a write of 3 does', async () => {
    await writeOrderToRedis(redis, doc('o-1', 1));
    let woke: string | null = null;
    const wait = changes.until('o-1', 3, 10_000);
    void wait.done.then((how) => (woke = how));
    await writeOrderToRedis(redis, doc('o-1', 2));
    // a later announcement of another order arriving proves the one of version 2 was already handled
    const other = changes.until('other', 1, 5000);
    await writeOrderToRedis(redis, doc('other', 1));
    expect(await other.done).toBe('changed');
    expect(woke).toBeNull();
    await writeOrderToRedis(redis, doc('o-1', 3));
    expect(await wait.done).toBe('changed');
    expect(changes.waiting()).toBe(0);
  });

  test('given no write, then the wait ends at its timeout and leaves nothing behind', async () => {
    expect(await changes.until('o-none', 1, 100).done).toBe('timeout');
    expect(changes.waiting()).toBe(0);
  });

  test('given a minSeq read, then it answers with the version written while it waited', async () => {
    // MongoDB is not reached: Redis holds the document (a client that never connects is enough).
    const db = new MongoClient('mongodb://127.0.0.1:1/', { serverSelectionTimeoutMS: 100 }).db('none');
    const log = { warn: () => undefined } as unknown as FastifyBaseLogger;
    await writeOrderToRedis(redis, doc('o-2', 3));
    const reading = readOrderAtLeast({ db, redis, changes }, 'o-2', 4, log, 10_000);
    await writeOrderToRedis(redis, doc('o-2', 4));
    const found = await reading;
    expect(found?.doc.version).toBe(4);
    expect(found?.source).toBe('redis');
  });

  describe('given an order MongoDB does not have yet', () => {
    // MongoDB as a reader of one collection that counts its reads and never finds the order.
    const counted = () => {
      const reads = { mongo: 0, redis: 0 };
      const db = {
        collection: () => ({
          findOne: () => {
            reads.mongo += 1;
            return Promise.resolve(null);
          },
        }),
      } as unknown as Db;
      const hot = new Proxy(redis, {
        get(target, key, receiver) {
          if (key === 'hget') reads.redis += 1;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      return { reads, deps: { db, redis: hot, changes } };
    };
    const log = { warn: () => undefined } as unknown as FastifyBaseLogger;

    test('then MongoDB is read once, the polls ask Redis, and the version written answers from Redis', async () => {
      const { reads, deps } = counted();
      const reading = readOrderAtLeast(deps, 'o-5', 2, log, 10_000);
      await eventually(
        () => Promise.resolve(reads.redis),
        (n) => n >= 3,
      );
      await writeOrderToRedis(redis, doc('o-5', 2));
      const found = await reading;
      expect(found?.doc.version).toBe(2);
      expect(found?.source).toBe('redis');
      expect(reads.mongo).toBe(1);
    });

    test('then the last read, at the deadline, asks MongoDB again and answers what there is', async () => {
      const { reads, deps } = counted();
      expect(await readOrderAtLeast(deps, 'o-6', 2, log, 600)).toBeNull();
      expect(reads.mongo).toBe(2);
      expect(reads.redis).toBeGreaterThanOrEqual(3);
    });
  });

  test('given an answer kept at version 3, then it is served until version 4 is announced, and never older than asked', async () => {
    await writeOrderToRedis(redis, doc('o-3', 3));
    expect(changes.answer('o-3')).toBeNull();
    changes.remember('o-3', 3, '{"v":3}', 'c-1');
    expect(changes.answer('o-3')).toEqual({ version: 3, body: '{"v":3}', owner: 'c-1' });
    expect(changes.answer('o-3', 4)).toBeNull(); // a reader waiting for its write bypasses it
    const next = changes.until('o-3', 4, 5000);
    await writeOrderToRedis(redis, doc('o-3', 4));
    expect(await next.done).toBe('changed');
    expect(changes.answer('o-3')).toBeNull();
    // an answer read before version 4 but sent after its announcement is not kept
    changes.remember('o-3', 3, '{"v":3}', 'c-1');
    expect(changes.answer('o-3')).toBeNull();
    changes.remember('o-3', 4, '{"v":4}', 'c-1');
    expect(changes.answer('o-3')?.body).toBe('{"v":4}');
  });

  test('given the subscription drops, then every kept answer is dropped (announcements may be missed)', async () => {
    const own = new OrderChanges(redis.duplicate());
    // answers are kept once the subscription is confirmed
    await eventually(
      async () => {
        own.remember('o-4', 1, '{"v":1}', 'c-1');
        return own.answer('o-4');
      },
      (kept) => kept?.body === '{"v":1}',
    );
    own.close();
    expect(own.answer('o-4')).toBeNull();
  });
});
