import type { Client } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { testApp } from '../test/helpers/app';
import { captureLog } from '../test/helpers/log-capture';
import { createLogger } from '../infra/logger';
import { asCustomer, TEST_AUTH } from '../test/helpers/auth';
import { signToken } from './auth/tokens';

/** The app with a Temporal client whose `workflow.start` is `start` (recording by default). */
async function appWith(start?: () => Promise<unknown>) {
  const starts: unknown[] = [];
  const client = {
    workflow: {
      start:
        start ??
        (async (_wf: unknown, opts: unknown) => {
          starts.push(opts);
          return {};
        }),
    },
  } as unknown as Client;
  const app = await testApp({ temporal: client });
  return { app, starts };
}

const ADA = { id: 'c-1', email: 'ada@example.com' };
const valid = { items: [{ sku: 'KB-001', quantity: 2 }] };
const asAda = asCustomer(ADA);

describe('POST /orders input validation', () => {
  const cases: [string, { payload: string; headers?: Record<string, string> }, number, string][] = [
    [
      'a customer named in the body (the caller is the customer)',
      { payload: JSON.stringify({ ...valid, customer: { id: 'c-2', email: 'victim@example.com' } }) },
      400,
      'body.customer',
    ],
    ['missing items', { payload: JSON.stringify({}) }, 400, 'body.items'],
    ['no items', { payload: JSON.stringify({ ...valid, items: [] }) }, 400, 'body.items'],
    [
      'quantity 0',
      { payload: JSON.stringify({ ...valid, items: [{ sku: 'KB-001', quantity: 0 }] }) },
      400,
      'body.items[0].quantity',
    ],
    [
      'negative quantity',
      { payload: JSON.stringify({ ...valid, items: [{ sku: 'KB-001', quantity: -3 }] }) },
      400,
      'body.items[0].quantity',
    ],
    [
      'quantity as a string',
      { payload: JSON.stringify({ ...valid, items: [{ sku: 'KB-001', quantity: '2' }] }) },
      400,
      'body.items[0].quantity',
    ],
    [
      '51 items',
      {
        payload: JSON.stringify({
          ...valid,
          items: Array.from({ length: 51 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 })),
        }),
      },
      400,
      'body.items',
    ],
    ['unknown field', { payload: JSON.stringify({ ...valid, coupon: 'FREE' }) }, 400, 'body.coupon'],
    ['non-JSON body', { payload: '{"customer": ' }, 400, 'body'],
    [
      'wrong media type',
      { payload: 'hello', headers: { 'content-type': 'text/plain' } },
      415,
      'content-type',
    ],
    ['2 MB body', { payload: JSON.stringify({ ...valid, pad: 'x'.repeat(2 * 1024 * 1024) }) }, 413, 'body'],
    [
      'bad Idempotency-Key',
      { payload: JSON.stringify(valid), headers: { 'idempotency-key': '../../etc' } },
      400,
      'headers.idempotency-key',
    ],
  ];

  test.each(cases.map(([name, req, status, field]) => ({ name, req, status, field })))(
    'given $name, when posted, then $status problem+json names the field and no workflow starts',
    async ({ req, status, field }) => {
      const { app, starts } = await appWith();
      const res = await app.inject({
        method: 'POST',
        url: '/orders',
        payload: req.payload,
        headers: { 'content-type': 'application/json', ...asAda, ...req.headers },
      });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json<{ status: number; errors: { field: string }[] }>();
      expect(problem.status).toBe(status);
      expect(problem.errors.map((e) => e.field)).toContain(field);
      expect(starts).toHaveLength(0);
      await app.close();
    },
  );

  test('given a valid order without an Idempotency-Key, when posted, then 202 with Location and one start under an id of the server', async () => {
    const { app, starts } = await appWith();
    const res = await app.inject({ method: 'POST', url: '/orders', payload: valid, headers: asAda });
    expect(res.statusCode).toBe(202);
    const { orderId } = res.json<{ orderId: string }>();
    expect(orderId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.headers.location).toBe(`/orders/${orderId}`);
    expect(res.json()).toMatchObject({ status: 'PLACED' });
    expect(starts).toEqual([
      expect.objectContaining({
        workflowId: `order-${orderId}`,
        taskQueue: 'orders',
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [expect.objectContaining({ customer: ADA, items: valid.items })],
      }),
    ]);
    await app.close();
  });

  test("given a customer token with a phone, then the order's customer is the token's subject and verified contact", async () => {
    const { app, starts } = await appWith();
    const grace = { id: 'c-7', email: 'grace@example.com', phone: '+4915112345678' };
    const res = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: valid,
      headers: asCustomer(grace),
    });
    expect(res.statusCode).toBe(202);
    expect(starts).toEqual([
      expect.objectContaining({ args: [expect.objectContaining({ customer: grace })] }),
    ]);
    await app.close();
  });

  test('given a customer token without a verified email, then 403 naming the token and no workflow starts', async () => {
    const { app, starts } = await appWith();
    const token = signToken(TEST_AUTH, { sub: 'c-9', role: 'customer' });
    const res = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: valid,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ errors: [{ field: 'headers.authorization' }] });
    expect(starts).toHaveLength(0);
    await app.close();
  });

  test('given Temporal is unreachable, when an order is posted, then 503 problem without internals', async () => {
    const { app } = await appWith(async () => {
      throw new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233');
    });
    const res = await app.inject({ method: 'POST', url: '/orders', payload: valid, headers: asAda });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).not.toContain('ECONNREFUSED');
    await app.close();
  });
});

describe('errors the router raises before any route', () => {
  test('given a path parameter past its length or a malformed URL, then problem+json, not Fastify JSON', async () => {
    const app = await testApp();
    const long = await app.inject({ method: 'GET', url: `/orders/${'a'.repeat(300)}` });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toContain('application/problem+json');
    expect(long.json()).toMatchObject({ status: 414, title: 'URI too long' });
    const bad = await app.inject({ method: 'GET', url: '/orders/%E0%A4%A' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    await app.close();
  });
});

describe('GET /orders/:id when the stores cannot answer', () => {
  test('given Redis misses and MongoDB is unreachable, then 503 problem with Retry-After, no internals', async () => {
    const mongo = new MongoClient('mongodb://127.0.0.1:1/', { serverSelectionTimeoutMS: 100 });
    const app = await testApp({
      db: mongo.db('none'),
      redis: { hget: async () => null } as unknown as Redis,
    });
    const res = await app.inject({ method: 'GET', url: '/orders/o-1', headers: asAda });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({ status: 503, title: 'Service unavailable' });
    expect(res.body).not.toContain('127.0.0.1');
    await app.close();
    await mongo.close();
  });
});

describe('access log', () => {
  test('given requests answered and refused, then each writes one line with method, URL, status, time and request id', async () => {
    const { lines, stream } = captureLog();
    const client = { workflow: { start: async () => ({}) } } as unknown as Client;
    // The key's claim is written; what is stored does not matter to this test.
    const keys = { insertOne: async () => ({}) };
    const db = { collection: () => keys } as unknown as Db;
    const app = await testApp({ temporal: client, db, logger: createLogger('api', 'info', stream) });
    const placed = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: valid,
      headers: { 'idempotency-key': 'order-log-1', 'x-request-id': 'req-1', ...asAda },
    });
    const refused = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { items: [] },
      headers: asAda,
    });
    await app.close();
    expect([placed.statusCode, refused.statusCode]).toEqual([202, 400]);
    const access = lines.filter(
      (l) => (l.msg as string).startsWith('request') || l.msg === 'incoming request',
    );
    const shown = access.map((l) => {
      const req = l.req as { method?: string; url?: string } | undefined;
      return [
        l.msg,
        l.reqId === undefined ? null : 'reqId',
        req?.method,
        req?.url,
        l.res,
        typeof l.responseTime,
      ];
    });
    expect(shown).toEqual([
      ['request completed', 'reqId', 'POST', '/orders', { statusCode: 202 }, 'number'],
      ['request completed', 'reqId', 'POST', '/orders', { statusCode: 400 }, 'number'],
    ]);
    expect(access[0]?.reqId).toBe('req-1');
    expect(JSON.stringify(lines)).not.toContain('order-log-1');
    // Nor the caller's token, nor the contact it carries.
    expect(JSON.stringify(lines)).not.toContain(asAda.authorization.slice(7));
    expect(JSON.stringify(lines)).not.toContain(ADA.email);
  });
});
