import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { buildApp } from '../../api/app';
import { freePort } from '../../infra/process';
import { startSmtpSink, type SmtpSink } from '../../infra/smtp-sink';
import { findOrder } from '../../projections/orders/mongo';
import { readOrderFromRedis, STATUS_COUNTERS_KEY } from '../../projections/orders/redis';
import { orderWorkflowId } from '../../domain/ids';
import { createProjectorWorker } from '../../worker/projector-worker';
import { createSagaWorker } from '../../worker/saga-worker';
import { eventually } from '../helpers/poll';
import { startStores, type TestStores } from '../helpers/stores';
import { devServerEnv, quietWorkerLogs, workflowBundle } from '../helpers/temporal';

/**
 * The whole stack over HTTP: Temporal dev server, the real saga and projector workers, the API on a
 * port, FerretDB (or mongod), Redis and the SMTP sink, each on a free loopback port.
 */
describe('an order flowing end to end', () => {
  let env: TestWorkflowEnvironment;
  let stores: TestStores;
  let sink: SmtpSink;
  let app: FastifyInstance;
  let base: string;
  let workers: Worker[];
  let running: Promise<unknown>;

  beforeAll(async () => {
    quietWorkerLogs();
    [env, stores, sink] = await Promise.all([
      devServerEnv(),
      startStores('e2e'),
      freePort().then((smtpPort) => startSmtpSink({ smtpPort })),
    ]);
    const mailer = nodemailer.createTransport(sink.smtpUrl);
    const common = { connection: env.nativeConnection, namespace: env.namespace ?? 'default', db: stores.db };
    workers = await Promise.all([
      createSagaWorker({
        ...common,
        taskQueue: 'orders',
        mailer,
        mailFrom: 'Shop <shop@example.test>',
        workflowBundle: await workflowBundle(),
      }),
      createProjectorWorker({ ...common, taskQueue: 'projections', redis: stores.redis }),
    ]);
    running = Promise.all(workers.map((w) => w.run()));
    app = await buildApp({
      temporal: env.client,
      db: stores.db,
      redis: stores.redis,
      ordersTaskQueue: 'orders',
      projectionsTaskQueue: 'projections',
    });
    const port = await freePort();
    await app.listen({ host: '127.0.0.1', port });
    base = `http://127.0.0.1:${port}`;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    for (const w of workers ?? []) w.shutdown();
    await running;
    await Promise.all([env?.teardown(), stores?.stop(), sink?.stop()]);
  }, 60_000);

  const placeOrder = (body: unknown, key?: string) =>
    fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });

  test('given the demo catalog, when an order is placed over HTTP, then it completes in both read models and the customer gets an email', async () => {
    const res = await placeOrder({
      customer: { id: 'cust-42', email: 'grace@example.com' },
      items: [
        { sku: 'KB-001', quantity: 1 },
        { sku: 'CB-004', quantity: 3 },
      ],
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { orderId: string };
    expect(res.headers.get('location')).toBe(`/orders/${accepted.orderId}`);

    const view = await eventually(
      async () => (await fetch(`${base}/orders/${accepted.orderId}`)).json() as Promise<{ status?: string }>,
      (v) => v.status === 'COMPLETED',
    );
    expect(view).toMatchObject({ status: 'COMPLETED', total: 8900 + 3 * 900, currency: 'EUR' });

    const mongoDoc = await findOrder(stores.db, accepted.orderId);
    expect(mongoDoc).toMatchObject({ status: 'COMPLETED', version: 5, invoice: { number: 1 } });
    expect(mongoDoc?.timeline.map((t) => t.type)).toEqual([
      'OrderPlaced',
      'StockReserved',
      'InvoiceIssued',
      'NotificationSent',
      'OrderCompleted',
    ]);
    const redisDoc = await readOrderFromRedis(stores.redis, accepted.orderId);
    expect(redisDoc).toMatchObject({ status: 'COMPLETED', version: 5 });
    expect(await stores.redis.hget(STATUS_COUNTERS_KEY, 'COMPLETED')).toBe('1');

    const mail = await eventually(
      async () => sink.messages().filter((m) => m.to.includes('grace@example.com')),
      (list) => list.length > 0,
    );
    expect(mail).toHaveLength(1);
    expect(mail[0]?.subject).toBe(`Order ${accepted.orderId} confirmed`);
    expect(mail[0]?.text).toContain('Total: 116.00 EUR');

    // Operators find the run by its search attributes (visibility is eventually consistent).
    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        const query = `CustomerId = "cust-42" AND OrderStatus = "COMPLETED"`;
        for await (const wf of env.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids;
      },
      (ids) => ids.length > 0,
    );
    expect(listed).toEqual([orderWorkflowId(accepted.orderId)]);
  });

  test('given an Idempotency-Key, when the same order is posted twice, then one workflow runs', async () => {
    const body = {
      customer: { id: 'cust-7', email: 'lin@example.com' },
      items: [{ sku: 'MS-002', quantity: 1 }],
    };
    const [a, b] = await Promise.all([placeOrder(body, 'same-key-1'), placeOrder(body, 'same-key-1')]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const handle = env.client.workflow.getHandle(orderWorkflowId('same-key-1'));
    await handle.result();
    const runs = [];
    for await (const r of env.client.workflow.list({
      query: `WorkflowId = '${orderWorkflowId('same-key-1')}'`,
    })) {
      runs.push(r.runId);
    }
    expect(runs).toHaveLength(1);
  });

  test('given too little stock, when an order is placed, then it ends REJECTED with the reason', async () => {
    const res = await placeOrder({
      customer: { id: 'cust-9', email: 'max@example.com' },
      items: [{ sku: 'HS-005', quantity: 99 }],
    });
    const { orderId } = (await res.json()) as { orderId: string };
    const view = await eventually(
      async () =>
        (await fetch(`${base}/orders/${orderId}`)).json() as Promise<{ status?: string; reason?: string }>,
      (v) => v.status === 'REJECTED',
    );
    expect(view.reason).toBe('insufficient stock for HS-005: 99 requested');
  });

  test('given an unknown id, when it is read, then the answer is a 404 problem', async () => {
    const res = await fetch(`${base}/orders/does-not-exist`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
