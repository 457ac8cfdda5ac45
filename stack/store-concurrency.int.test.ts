import { MongoClient, type Collection } from 'mongodb';
import { startStores, type TestStores } from '../test/helpers/stores';

/** How many operations are sent at once: more than FerretDB v1's 100 SQLite connections per database. */
const AT_ONCE = 250;

type Counter = { _id: number; n: number };

/** `work` for each of the documents at once, or 'still waiting' when it has not finished in 20 s. */
async function allAtOnce(work: (id: number) => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    Promise.all(Array.from({ length: AT_ONCE }, (_, id) => work(id))).then(() => 'done'),
    new Promise<string>((resolve) => (timer = setTimeout(resolve, 20_000, 'still waiting after 20 s'))),
  ]);
  clearTimeout(timer);
  return outcome;
}

/**
 * patches/ferretdb-v1.24.2.patch: FerretDB v1's SQLite handler kept an update's query open (one of the
 * database's 100 connections) while it opened the transaction that wrote the document (a second one).
 * With 100 updates in flight every connection was a query waiting for a second connection: the store
 * hung for good, and with it every worker (the cluster's reliability suite, operator-terminate: 150
 * closing runs voiding invoices and projecting at once across six processes).
 */
describe('the Mongo-compatible store, many writers at once', () => {
  let stores: TestStores;
  let client: MongoClient;
  let counters: Collection<Counter>;

  beforeAll(async () => {
    stores = await startStores('store-concurrency');
    // One client with room for every operation at once, as six processes of a cluster have together.
    client = await MongoClient.connect(stores.mongoUrl, {
      maxPoolSize: AT_ONCE + 10,
      minPoolSize: AT_ONCE,
      maxConnecting: AT_ONCE,
    });
    counters = client.db(stores.db.databaseName).collection<Counter>('counters');
    await counters.insertMany(Array.from({ length: AT_ONCE }, (_, _id) => ({ _id, n: 0 })));
    // Every connection open before the writes (the driver opens two at a time by default).
    await allAtOnce((_id) => counters.findOne({ _id }));
  });
  afterAll(async () => {
    await client?.close();
    await stores?.stop();
  });

  test(`given ${AT_ONCE} updates of different documents at once, then every one is applied`, async () => {
    expect(await allAtOnce((_id) => counters.updateOne({ _id }, { $inc: { n: 1 } }))).toBe('done');
    expect(await counters.countDocuments({ n: 1 })).toBe(AT_ONCE);
  }, 60_000);

  test(`given ${AT_ONCE} writers updating large documents for 3 s, then the store keeps answering`, async () => {
    const page = 'x'.repeat(10_000);
    const until = Date.now() + 3_000;
    const writer = async (_id: number) => {
      let writes = 0;
      for (; Date.now() < until; writes++)
        await counters.updateOne({ _id }, { $set: { page: `${page}${writes}` } });
      return writes;
    };
    expect(await allAtOnce(writer)).toBe('done');
  }, 60_000);

  test(`given ${AT_ONCE} find-and-modify updates at once, then every one is applied`, async () => {
    expect(
      await allAtOnce((_id) =>
        counters.findOneAndUpdate({ _id }, { $inc: { n: 1 } }, { returnDocument: 'after' }),
      ),
    ).toBe('done');
    expect(await counters.countDocuments({ n: 2 })).toBe(AT_ONCE);
  }, 60_000);
});
