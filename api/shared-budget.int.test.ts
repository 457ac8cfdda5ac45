import { Redis } from 'ioredis';
import { freePort, type Service } from '../stack/process';
import { startRedis } from '../stack/stores';
import { cacheDir, tempDir } from '../test/helpers/env';
import { testApp } from '../test/helpers/app';
import { asCustomer } from '../test/helpers/auth';
import { SharedBudget } from './shared-budget';

/** Several API processes, one budget per caller: the counts meet in Redis. */
describe('the rate limit shared through Redis', () => {
  const dir = tempDir('budget');
  let server: Service;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis({ cacheDir, dataDir: dir.path, port: await freePort() });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  test('given two API processes, when one caller spends its budget across both, then the second refuses once the sum is reached', async () => {
    const limit = { max: 10, windowMs: 60_000, syncMs: 50 };
    const other = redis.duplicate();
    const [a, b] = await Promise.all([
      testApp({ redis, rateLimit: limit }),
      testApp({ redis: other, rateLimit: limit }),
    ]);
    const as = (app: typeof a, id: string) =>
      app.inject({
        method: 'GET',
        url: '/orders/o-1',
        headers: asCustomer({ id, email: `${id}@example.com` }),
      });
    const statuses = async (app: typeof a, n: number, id = 'c-shared') => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await as(app, id)).statusCode);
      return out.map((s) => (s === 429 ? 429 : 'passed'));
    };
    expect(await statuses(a, 6)).toEqual(Array(6).fill('passed'));
    await new Promise((r) => setTimeout(r, 200)); // a's counts reach Redis, and b learns them
    expect(await statuses(b, 1)).toEqual(['passed']); // 7: b's first request, then it syncs
    await new Promise((r) => setTimeout(r, 200));
    expect(await statuses(b, 5)).toEqual(['passed', 'passed', 'passed', 429, 429]);
    // Another caller has a budget of its own on either process.
    expect(await statuses(a, 1, 'c-other')).toEqual(['passed']);
    await Promise.all([a.close(), b.close()]);
    other.disconnect();
  });

  test('given Redis unreachable, then each process still limits on its own counts', async () => {
    const down = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    down.on('error', () => undefined);
    const budget = new SharedBudget(down, 60_000, 1_000_000);
    const now = Date.now();
    for (let i = 0; i < 3; i++) budget.hit('k', now);
    await budget.sync(now);
    expect(budget.hit('k', now).current).toBe(4);
    budget.close();
    down.disconnect();
  });
});
