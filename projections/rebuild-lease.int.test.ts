import { startStores, type TestStores } from '../test/helpers/stores';
import { RebuildRunning, withRebuildLease } from './rebuild-lease';

describe('the rebuild lease: one rebuild at a time, against the real Mongo-compatible store', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await startStores('rebuild-lease');
  }, 60_000);
  afterAll(() => stores?.stop());

  /** Work that runs until `finish()` is called. */
  const holding = () => {
    let finish = () => undefined as void;
    const done = new Promise<void>((r) => (finish = r));
    return { work: () => done.then(() => 'first'), finish };
  };

  test('given a rebuild holding the lease, then a second is refused naming the first; once it ends, the next one runs', async () => {
    const first = holding();
    const running = withRebuildLease(stores.db, first.work);
    await new Promise((r) => setTimeout(r, 50));
    await expect(withRebuildLease(stores.db, async () => 'second')).rejects.toThrow(RebuildRunning);
    await expect(withRebuildLease(stores.db, async () => 'second')).rejects.toThrow(
      /another rebuild is running \(.+ pid \d+, since /,
    );
    first.finish();
    await expect(running).resolves.toBe('first');
    await expect(withRebuildLease(stores.db, async () => 'third')).resolves.toBe('third');
  });

  test('given a rebuild that failed, then the lease is free again', async () => {
    await expect(withRebuildLease(stores.db, () => Promise.reject(new Error('store gone')))).rejects.toThrow(
      'store gone',
    );
    await expect(withRebuildLease(stores.db, async () => 'after')).resolves.toBe('after');
  });

  test('given a lease left by a rebuild that crashed, when it has expired, then it is taken over; before, it is not', async () => {
    const leases = stores.db.collection<{ _id: string }>('maintenance_leases');
    const crashed = (expiresAt: Date) => ({
      _id: 'rebuild',
      holder: 'gone',
      by: 'host-x pid 1',
      since: new Date(0),
      expiresAt,
    });
    await leases.insertOne(crashed(new Date(Date.now() + 60_000)));
    await expect(withRebuildLease(stores.db, async () => 'too soon')).rejects.toThrow(/host-x pid 1/);
    await leases.deleteOne({ _id: 'rebuild' });
    await leases.insertOne(crashed(new Date(Date.now() - 1)));
    await expect(withRebuildLease(stores.db, async () => 'taken over')).resolves.toBe('taken over');
  });

  test('given a rebuild running longer than the lease lasts, then its renewals keep it, and another is still refused', async () => {
    const first = holding();
    const running = withRebuildLease(stores.db, first.work, { ttlMs: 400, renewEveryMs: 100 });
    await new Promise((r) => setTimeout(r, 1_000));
    await expect(withRebuildLease(stores.db, async () => 'second')).rejects.toThrow(RebuildRunning);
    first.finish();
    await expect(running).resolves.toBe('first');
  });
});
