import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { startStores, type TestStores } from '../test/helpers/stores';
import { testApp } from '../test/helpers/app';
import { createMetrics } from '../infra/metrics';
import { AS_SUPPORT } from '../test/helpers/auth';

/** A Temporal client whose only call here, the system info, answers or fails as told. */
const temporalThat = (answer: () => Promise<unknown>) =>
  ({ workflowService: { getSystemInfo: answer } }) as unknown as Client;

describe('health and metrics against the real Mongo-compatible store and Redis', () => {
  let stores: TestStores;
  let app: FastifyInstance;
  let temporalUp = true;

  const metrics = createMetrics('api');

  beforeAll(async () => {
    stores = await startStores('ops');
    app = await testApp({
      metrics,
      db: stores.db,
      redis: stores.redis,
      temporal: temporalThat(async () => {
        if (!temporalUp) throw new Error('14 UNAVAILABLE: connection refused');
        return {};
      }),
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await stores?.stop();
  });

  test('given every dependency answers, then live and ready are 200 with each check', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'live' });
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: { temporal: { ok: true }, mongodb: { ok: true }, redis: { ok: true } },
    });
  });

  test('given Temporal does not answer, then ready is 503 naming it, and live stays 200', async () => {
    temporalUp = false;
    try {
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({
        status: 'unavailable',
        checks: {
          temporal: { ok: false, error: '14 UNAVAILABLE: connection refused' },
          mongodb: { ok: true },
          redis: { ok: true },
        },
      });
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      temporalUp = true;
    }
  });

  test('given a request id, then it is echoed; a missing or odd one is replaced by a fresh id', async () => {
    const given = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const odd = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'a b\u0000' },
    });
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await app.inject({ method: 'GET', url: '/health/live' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('given requests, then the metrics have their latency by route pattern and status, not by URL, and the public port does not serve them', async () => {
    await app.inject({
      method: 'GET',
      url: '/orders/no-such-order?consistency=eventual',
      headers: AS_SUPPORT,
    });
    await app.inject({ method: 'GET', url: '/nowhere' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    // What the ops port serves (infra/ops-server.ts, over HTTP in worker/ops.int.test.ts).
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{service="api",method="GET",route="\/orders\/:id",status_code="404"\} 1/,
    );
    // `/nowhere` and `/metrics` itself, unmatched on the public port.
    expect(text).toMatch(
      /http_request_duration_seconds_count\{service="api",method="GET",route="\(unmatched\)",status_code="404"\} 2/,
    );
    expect(text).not.toContain('no-such-order');
    expect(text).toContain('process_cpu_seconds_total');
  });
});
