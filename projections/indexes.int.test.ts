import { startStores, type TestStores } from '../test/helpers/stores';
import { ensureReadModelIndexes } from './indexes';

/**
 * Each query the API and the projector run on a read model, as the store sees it: the fields it
 * filters by equality and the sort it asks for. FerretDB's planner gives no useful explain here (its
 * SQLite backend uses only the `_id` index), so the check is on the indexes themselves: one must start
 * with the equality fields (any order) and go on with the sort, all in the same or all in the reverse
 * direction, so that MongoDB walks it instead of sorting the collection.
 */
const QUERIES: { where: string; collection: string; equal: string[]; sort: [string, 1 | -1][] }[] = [
  {
    where: 'GET /orders (listOrders)',
    collection: 'orders',
    equal: [],
    sort: [
      ['placedAt', -1],
      ['_id', -1],
    ],
  },
  {
    where: 'GET /orders?customerId, GET /customers/:id/orders',
    collection: 'orders',
    equal: ['customer.id'],
    sort: [
      ['placedAt', -1],
      ['_id', -1],
    ],
  },
  {
    where: 'GET /orders?status',
    collection: 'orders',
    equal: ['status'],
    sort: [
      ['placedAt', -1],
      ['_id', -1],
    ],
  },
  {
    where: 'GET /customers/:id/orders (customerSummary)',
    collection: 'orders',
    equal: ['customer.id'],
    sort: [],
  },
  {
    where: 'GET /webhooks/:id/deliveries (deliveriesOf)',
    collection: 'webhook_deliveries',
    equal: ['subscriptionId'],
    sort: [
      ['payload.timestamp', -1],
      ['_id', -1],
    ],
  },
  {
    where: 'GET /dead-letters (listDeadLetters)',
    collection: 'dead_letters',
    equal: [],
    sort: [
      ['lastAttemptAt', -1],
      ['_id', -1],
    ],
  },
  {
    where: 'GET /dead-letters?status',
    collection: 'dead_letters',
    equal: ['status'],
    sort: [
      ['lastAttemptAt', -1],
      ['_id', -1],
    ],
  },
  { where: 'invoices of an order', collection: 'invoices', equal: ['orderId'], sort: [] },
  { where: 'notifications of an order', collection: 'notifications', equal: ['orderId'], sort: [] },
];

/** Whether an index's key serves the query without a sort in memory. */
function serves(key: [string, number][], q: (typeof QUERIES)[number]): boolean {
  const head = key.slice(0, q.equal.length).map(([field]) => field);
  if ([...head].sort().join() !== [...q.equal].sort().join()) return false;
  const rest = key.slice(q.equal.length, q.equal.length + q.sort.length);
  if (rest.length < q.sort.length) return false;
  const same = rest.every(([field, dir], i) => field === q.sort[i]?.[0] && dir === q.sort[i]?.[1]);
  const reversed = rest.every(
    ([field, dir], i) => field === q.sort[i]?.[0] && dir === -(q.sort[i]?.[1] ?? 0),
  );
  return same || reversed;
}

describe('the read models’ indexes', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await startStores('indexes');
    await ensureReadModelIndexes(stores.db);
  }, 60_000);
  afterAll(() => stores.stop());

  test('given every query the API runs on a read model, then an index serves its filter and its sort', async () => {
    const unserved: string[] = [];
    for (const q of QUERIES) {
      const indexes = await stores.db.indexInformation(q.collection, { full: true });
      const keys = (indexes as { key: Record<string, number> }[]).map((i) => Object.entries(i.key));
      if (!keys.some((key) => serves(key, q)))
        unserved.push(`${q.where}: ${q.collection} ${JSON.stringify({ equal: q.equal, sort: q.sort })}`);
    }
    expect(unserved).toEqual([]);
  });

  test('given an index that sorts the other way or lacks the tie-break, then it does not count', () => {
    const q = QUERIES[1];
    if (!q) throw new Error('no query');
    expect(
      serves(
        [
          ['customer.id', 1],
          ['placedAt', -1],
        ],
        q,
      ),
    ).toBe(false);
    expect(
      serves(
        [
          ['customer.id', 1],
          ['placedAt', 1],
          ['_id', -1],
        ],
        q,
      ),
    ).toBe(false);
    expect(
      serves(
        [
          ['customer.id', 1],
          ['placedAt', 1],
          ['_id', 1],
        ],
        q,
      ),
    ).toBe(true);
  });
});
