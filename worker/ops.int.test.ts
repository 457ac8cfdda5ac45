import type { Server } from 'node:http';
import type { Worker } from '@temporalio/worker';
import { freePort } from '../stack/process';
import { createMetrics } from '../infra/metrics';
import { startOpsServer } from '../infra/ops-server';
import { workerRunning } from './ops';

/** A worker's ops port over real HTTP, with a stand-in worker state and probes told to pass or fail. */
describe('worker ops server', () => {
  let server: Server;
  let base: string;
  let state = 'RUNNING';
  let mongoUp = true;
  const metrics = createMetrics('saga-worker');

  beforeAll(async () => {
    const port = await freePort();
    server = await startOpsServer({
      port,
      host: '127.0.0.1',
      metrics,
      probes: {
        worker: workerRunning(() => ({ getState: () => state }) as unknown as Worker),
        mongodb: async () => {
          if (!mongoUp) throw new Error('connection refused');
        },
      },
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  test('given a running worker and its store, then live and ready are 200', async () => {
    expect(await get('/health/live')).toMatchObject({ status: 200, text: '{"status":"live"}' });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({
      status: 'ready',
      checks: { worker: { ok: true }, mongodb: { ok: true } },
    });
  });

  test('given the store is down or the worker draining, then ready is 503 saying which', async () => {
    mongoUp = false;
    const down = await get('/health/ready');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toMatchObject({
      checks: { mongodb: { ok: false, error: 'connection refused' } },
    });
    mongoUp = true;
    state = 'DRAINING';
    const draining = JSON.parse((await get('/health/ready')).text) as { checks: { worker: unknown } };
    expect(draining.checks.worker).toMatchObject({ ok: false, error: 'DRAINING' });
    state = 'RUNNING';
  });

  test('given a failure counted, then /metrics shows it with the service label', async () => {
    metrics.activityFailures.inc({ activity: 'reserveStock', error_type: 'INSUFFICIENT_STOCK' });
    const res = await get('/metrics');
    expect(res.type).toContain('text/plain');
    expect(res.text).toContain(
      'activity_failures_total{activity="reserveStock",error_type="INSUFFICIENT_STOCK",service="saga-worker"} 1',
    );
    expect((await get('/nope')).status).toBe(404);
  });
});
