import { MongoClient, type CommandSucceededEvent } from 'mongodb';
import { startStores, type TestStores } from '../test/helpers/stores';
import { ordersCollection, type OrderDoc } from './orders/view';
import { statsFromMongo } from './stats';

/** Documents the store sent back to the client in a command's answer (its cursor batches). */
const documentsIn = (event: CommandSucceededEvent): number => {
  const reply = event.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } };
  return (reply.cursor?.firstBatch ?? reply.cursor?.nextBatch ?? []).length;
};

describe('the statistics from MongoDB (Redis down)', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await startStores('stats');
  }, 60_000);
  afterAll(() => stores.stop());

  test('given 300 orders, then the figures are summed by the store: a handful of documents reach the API, not every order', async () => {
    const at = (i: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, i));
    const statuses = ['COMPLETED', 'CANCELLED', 'AWAITING_PAYMENT'] as const;
    const docs = Array.from({ length: 300 }, (_, i) => ({
      _id: `o-${i}`,
      status: statuses[i % 3] ?? 'COMPLETED',
      total: 1000 + i,
      currency: i % 2 === 0 ? 'EUR' : 'USD',
      version: 5,
      projectedAt: at(i),
    }));
    await ordersCollection(stores.db).insertMany(docs as unknown as OrderDoc[]); // only the fields the stats read
    const client = await MongoClient.connect(stores.mongoUrl, { monitorCommands: true });
    let received = 0;
    client.on('commandSucceeded', (e) => (received += documentsIn(e)));
    try {
      const stats = await statsFromMongo(client.db(stores.db.databaseName));
      const completed = docs.filter((d) => d.status === 'COMPLETED');
      const sum = (currency: string) =>
        completed.filter((d) => d.currency === currency).reduce((n, d) => n + d.total, 0);
      expect(stats).toEqual({
        ordersByStatus: { COMPLETED: 100, CANCELLED: 100, AWAITING_PAYMENT: 100 },
        revenue: { EUR: sum('EUR'), USD: sum('USD') },
        reflects: { events: 1500, projectedAt: at(299) },
      });
      expect(received).toBeLessThanOrEqual(10);
    } finally {
      await client.close();
    }
  });
});
