import { Redis } from 'ioredis';
import { freePort } from '../stack/process';
import { withCollectionMethod } from '../test/helpers/db-proxy';
import { startStores, type TestStores } from '../test/helpers/stores';
import {
  announceSubscriptionChange,
  cachedSubscriptions,
  createSubscriptionStore,
  subscriptionsCollection,
} from './webhook-subscriptions';

/** The projector's look-up of live subscriptions, kept between batches, on real FerretDB and Redis. */
describe('cached webhook subscriptions', () => {
  let stores: TestStores;

  beforeAll(async () => {
    stores = await startStores('webhook-subscriptions');
  });
  afterAll(() => stores.stop());
  beforeEach(async () => {
    await subscriptionsCollection(stores.db).deleteMany({});
  });

  /** The database as the cache sees it, counting the queries of `webhook_subscriptions`. */
  const counting = () => {
    const reads = { count: 0 };
    const db = withCollectionMethod(stores.db, 'webhook_subscriptions', 'find', (find) => (...args) => {
      reads.count += 1;
      return find(...args);
    });
    return { db, reads };
  };

  test('given an announced create and delete, then each is seen at the next look-up, and MongoDB is asked once per change', async () => {
    const { db, reads } = counting();
    const lookUp = cachedSubscriptions(db, stores.redis);
    const store = createSubscriptionStore(stores.db, undefined, () =>
      announceSubscriptionChange(stores.redis),
    );
    expect(await lookUp(['OrderCompleted'])).toEqual([]);

    const { view } = await store.create({ url: 'https://a.example/hook', events: ['OrderCompleted'] });
    expect((await lookUp(['OrderCompleted'])).map((s) => s._id)).toEqual([view.id]);
    expect(await lookUp(['InvoiceIssued'])).toEqual([]);
    expect((await lookUp(['InvoiceIssued', 'OrderCompleted'])).map((s) => s._id)).toEqual([view.id]);
    expect(reads.count).toBe(2);

    expect(await store.remove(view.id)).toBe(true);
    expect(await lookUp(['OrderCompleted'])).toEqual([]);
    expect(reads.count).toBe(3);
  });

  test('given a change that was not announced, then the kept list is used until it is older than its bound', async () => {
    const { db, reads } = counting();
    let clock = 0;
    const lookUp = cachedSubscriptions(db, stores.redis, { maxAgeMs: 1000, now: () => clock });
    expect(await lookUp(['OrderCompleted'])).toEqual([]);
    // created, but its announcement failed
    await createSubscriptionStore(stores.db).create({
      url: 'https://b.example/hook',
      events: ['OrderCompleted'],
    });
    clock = 1000;
    expect(await lookUp(['OrderCompleted'])).toEqual([]);
    clock = 1001;
    expect(await lookUp(['OrderCompleted'])).toHaveLength(1);
    expect(reads.count).toBe(2);
  });

  test('given Redis down, then every look-up asks MongoDB and is right', async () => {
    const { db, reads } = counting();
    // a Redis nobody listens on: the client gives up at once and every command fails
    const down = new Redis({ port: await freePort(), host: '127.0.0.1', retryStrategy: () => null });
    down.on('error', () => undefined);
    await new Promise((ended) => down.once('end', ended));
    const lookUp = cachedSubscriptions(db, down);
    await createSubscriptionStore(stores.db).create({
      url: 'https://c.example/hook',
      events: ['OrderCompleted'],
    });
    expect(await lookUp(['OrderCompleted'])).toHaveLength(1);
    expect(await lookUp(['OrderCompleted'])).toHaveLength(1);
    expect(reads.count).toBe(2);
  });
});
