import { testApp, TEST_ADMIN_KEY } from '../test/helpers/app';

/** The limits per client address: every route, and a tighter one on the admin API. */
describe('rate limiting', () => {
  const limits = { max: 5, adminMax: 2, windowMs: 60_000 };

  test('given more requests than the limit, then 429 problem+json with Retry-After', async () => {
    const app = await testApp({ rateLimit: limits });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await app.inject({ method: 'GET', url: '/health/live' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    // another client address has its own count
    const other = await app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.0.0.2' });
    expect(other.statusCode).toBe(200);
    await app.close();
  });

  test('given wrong admin keys, then 403 until the admin limit, then 429 even with the right key', async () => {
    const app = await testApp({ rateLimit: limits });
    const as = (key: string) =>
      app.inject({ method: 'GET', url: '/webhooks', headers: { authorization: `Bearer ${key}` } });
    expect((await as('wrong-key-guess-1')).statusCode).toBe(403);
    expect((await as('wrong-key-guess-2')).statusCode).toBe(403);
    const limited = await as(TEST_ADMIN_KEY);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    await app.close();
  });
});
