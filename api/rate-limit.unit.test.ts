import { testApp } from '../test/helpers/app';
import { asCustomer } from '../test/helpers/auth';

/** The limits per caller: a token's subject, else the client address. */
describe('rate limiting', () => {
  const limits = { max: 5, windowMs: 60_000 };

  test('given more requests than the limit, then 429 problem+json with Retry-After, naming the request', async () => {
    const app = await testApp({ rateLimit: limits });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await app.inject({ method: 'GET', url: '/health/live' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const res = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'over-1' },
    });
    expect(res.statusCode).toBe(429);
    // the refusal is a request like any other: its id comes back, to find it in the logs
    expect(res.headers['x-request-id']).toBe('over-1');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    // another client address has its own count
    const other = await app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.0.0.2' });
    expect(other.statusCode).toBe(200);
    await app.close();
  });

  test('given callers with tokens, then each spends its own budget, wherever it calls from', async () => {
    const app = await testApp({ rateLimit: limits });
    const as = (id: string, remoteAddress: string) =>
      app.inject({
        method: 'GET',
        url: '/orders/o-1',
        remoteAddress,
        headers: asCustomer({ id, email: `${id}@example.com` }),
      });
    // One customer from five addresses: one budget (the inert test stores answer 500, not 429).
    for (let i = 0; i < 5; i++) expect((await as('c-1', `10.0.0.${i}`)).statusCode).not.toBe(429);
    expect((await as('c-1', '10.0.0.9')).statusCode).toBe(429);
    // Another customer from the same address: its own budget.
    expect((await as('c-2', '10.0.0.1')).statusCode).not.toBe(429);
    await app.close();
  });

  test('given an ingress trusted by TRUST_PROXY, then anonymous budgets are per forwarded client; untrusted, the header is ignored', async () => {
    const behind = (trustProxy: boolean | string[]) =>
      testApp({ rateLimit: { max: 1, windowMs: 60_000 }, trustProxy });
    const from = (app: Awaited<ReturnType<typeof behind>>, client: string) =>
      app.inject({
        method: 'GET',
        url: '/health/live',
        remoteAddress: '10.1.0.7',
        headers: { 'x-forwarded-for': client },
      });
    const trusted = await behind(['10.1.0.0/16']);
    expect((await from(trusted, '203.0.113.1')).statusCode).toBe(200);
    expect((await from(trusted, '203.0.113.2')).statusCode).toBe(200);
    expect((await from(trusted, '203.0.113.1')).statusCode).toBe(429);
    await trusted.close();
    // A client cannot spread its requests over made-up addresses when the proxy is not trusted.
    const untrusted = await behind(false);
    expect((await from(untrusted, '203.0.113.1')).statusCode).toBe(200);
    expect((await from(untrusted, '203.0.113.2')).statusCode).toBe(429);
    await untrusted.close();
  });
});
