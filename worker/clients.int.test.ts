import type { MongoClient } from 'mongodb';
import { loadConfig } from '../config';
import { readFileSync } from 'node:fs';
import { freePort, waitFor, type Service } from '../stack/process';
import { startMongo } from '../stack/stores';
import { cacheDir, tempDir } from '../test/helpers/env';
import { connectMongo } from './clients';

/**
 * The full-size reliability suite on the cluster met a store that stopped answering (FerretDB's pool,
 * since patched): every call in flight waited for ever, each one holding an activity slot, so the
 * workers took no more activities even after the store was restarted. A bounded wait fails the call.
 */
describe('the MongoDB client of every process', () => {
  const dir = tempDir('mongo-client');
  let store: Service & { child: { pid?: number } };
  let mongo: MongoClient;

  beforeAll(async () => {
    store = await startMongo({ cacheDir, dataDir: dir.path, port: await freePort() });
    mongo = await connectMongo(
      loadConfig({ ...process.env, MONGODB_URL: store.url, MONGO_SOCKET_TIMEOUT: '1s' }),
    );
    await mongo
      .db('clients')
      .collection('docs')
      .insertOne({ _id: 'one' as never });
  });
  afterAll(async () => {
    await mongo?.close();
    await store?.stop();
    dir.remove();
  });

  test('given the store stops answering, then an operation fails within MONGO_SOCKET_TIMEOUT; once it answers, operations go on', async () => {
    const pid = store.child.pid as number;
    process.kill(pid, 'SIGSTOP');
    // Stopping takes effect once every thread has stopped: under load a request sent at once was
    // still answered (8 ms later) by a thread not yet stopped.
    await waitFor('the store stopped', async () =>
      /^State:\s+T/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')),
    );
    const t0 = Date.now();
    try {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        mongo
          .db('clients')
          .collection('docs')
          .findOne({ _id: 'one' as never })
          .then(
            () => 'answered',
            (err: Error) => err.name,
          ),
        new Promise((resolve) => (timer = setTimeout(resolve, 25_000, 'still waiting after 25 s'))),
      ]);
      clearTimeout(timer);
      expect(outcome).toMatch(/^Mongo\w*Error$/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // about two bounds: the call, then its retry's new connection
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(
      await mongo
        .db('clients')
        .collection('docs')
        .findOne({ _id: 'one' as never }),
    ).toMatchObject({ _id: 'one' });
  }, 60_000);
});
