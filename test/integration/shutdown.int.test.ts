import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort, spawnLogged } from '../../stack/process';
import { orderWorkflowId } from '../../domain/ids';
import { startStores, type TestStores } from '../helpers/stores';
import { devServerEnv } from '../helpers/temporal';
import { eventually } from '../helpers/poll';
import { tempDir } from '../helpers/env';
import { asCustomer, TEST_AUTH_ENV } from '../helpers/auth';

const DIST = join(__dirname, '..', '..', 'dist');

/** The built entry points run as real processes, stopped with a real SIGTERM. */
describe('graceful shutdown of the built API and saga worker processes', () => {
  let env: TestWorkflowEnvironment;
  let stores: TestStores;
  const logs = tempDir('shutdown');
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'api', 'server.js'))) {
      throw new Error('dist/ is missing: `npm run build` first (npm test builds before jest)');
    }
    [env, stores] = await Promise.all([devServerEnv(), startStores('shutdown')]);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all([env?.teardown(), stores?.stop()]);
    logs.remove();
  });

  /** Starts a built entry point; its output is kept in memory (to wait on a log line) and in a file. */
  const start = (script: string, extra: NodeJS.ProcessEnv) => {
    const child = spawnLogged({
      name: script,
      command: process.execPath,
      args: [join(DIST, script)],
      logFile: join(logs.path, `${script.replace(/\W/g, '_')}.log`),
      env: {
        TEMPORAL_ADDRESS: env.address,
        MONGODB_URL: stores.mongoUrl,
        MONGODB_DB: stores.db.databaseName,
        REDIS_URL: stores.redisUrl,
        ...TEST_AUTH_ENV,
        LOG_LEVEL: 'info',
        ...extra,
      },
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
    );
    return { child, output: () => output, exited };
  };

  const refused = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });

  test('given a request half sent when SIGTERM arrives, then the API stops accepting, answers it, and exits 0', async () => {
    const port = await freePort();
    // At debug the API logs each request as it is received (at info, only once answered).
    const api = start('api/server.js', { API_PORT: String(port), LOG_LEVEL: 'debug' });
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${port}/health/live`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      { timeoutMs: 30_000 },
    );

    const body = JSON.stringify({ items: [{ sku: 'KB-001', quantity: 1 }] });
    const cut = Math.floor(body.length / 2);
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      [
        'POST /orders HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Content-Type: application/json',
        'Idempotency-Key: shutdown-inflight-1',
        `Authorization: ${asCustomer({ id: 'sd-1', email: 'sd@example.com' }).authorization}`,
        'X-Request-Id: shutdown-inflight',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body.slice(0, cut),
      ].join('\r\n'),
    );
    // The server has the request once it logs it; only then is it "in flight".
    await eventually(
      async () => api.output(),
      (out) => out.includes('"reqId":"shutdown-inflight"'),
    );

    api.child.kill('SIGTERM');
    await eventually(() => refused(port), Boolean, { timeoutMs: 10_000 });
    expect(api.child.exitCode).toBeNull(); // still finishing the request it has

    socket.write(body.slice(cut)); // not end(): a client that half-closes has its request aborted by Node
    await closed; // the server answers, then closes the connection since it is shutting down
    expect(response).toMatch(/^HTTP\/1\.1 202 /);
    const orderId = /"orderId":"([^"]+)"/.exec(response)?.[1] ?? '';
    expect(orderId).not.toBe('');
    expect(response.toLowerCase()).toContain('connection: close');
    expect(await api.exited).toBe(0);
    // Nothing lost: the order it accepted is a running workflow.
    const described = await env.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(described.type).toBe('orderWorkflow');
  });

  test('given an email being sent when SIGTERM arrives, then the worker drains it, reports not ready, and exits 0, each email sent once', async () => {
    // An SMTP server that holds the first message until the test lets it through.
    let reached!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const accepted: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          const first = accepted.length === 0;
          const done = () => {
            accepted.push(session.envelope.rcptTo.map((r) => r.address).join(','));
            callback();
          };
          if (first) {
            reached();
            void released.then(done);
          } else done();
        });
      },
    });
    const smtpPort = await freePort();
    await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
    try {
      const [opsPort, sdkPort] = [await freePort(), await freePort()];
      const queue = 'orders-shutdown';
      // A run closes only once its events are projected: the projector runs beside it.
      const projections = 'projections-shutdown';
      const projector = start('worker/projector-worker.js', {
        OPS_PORT: String(await freePort()),
        SDK_METRICS_PORT: String(await freePort()),
        PROJECTIONS_TASK_QUEUE: projections,
      });
      const worker = start('worker/saga-worker.js', {
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        OPS_PORT: String(opsPort),
        SDK_METRICS_PORT: String(sdkPort),
        ORDERS_TASK_QUEUE: queue,
        WORKER_SHUTDOWN_GRACE: '30s',
      });
      type Ready = { status: number; body: { checks?: { worker?: { error?: string } } } };
      const ready = (): Promise<Ready> =>
        fetch(`http://127.0.0.1:${opsPort}/health/ready`).then(
          async (r) => ({ status: r.status, body: (await r.json()) as Ready['body'] }),
          () => ({ status: 0, body: {} }),
        );
      await eventually(ready, (r) => r.status === 200, { timeoutMs: 60_000 });

      const orderId = 'shutdown-drain-1';
      await env.client.workflow.start('orderWorkflow', {
        taskQueue: queue,
        workflowId: orderWorkflowId(orderId),
        args: [
          {
            orderId,
            customer: { id: 'sd-2', email: 'drain@example.com' },
            items: [{ sku: 'KB-001', quantity: 1 }],
            paymentTerms: { dueAfterMs: 48 * 3_600_000, reminderAfterMs: 24 * 3_600_000 },
            projectionsTaskQueue: projections,
          },
        ],
      });
      await holding; // the order-received email is in the middle of its SMTP conversation

      worker.child.kill('SIGTERM');
      const draining = await eventually(ready, (r) => r.status === 503);
      expect(draining.body.checks?.worker?.error).toMatch(/DRAINING|DRAINED|STOPPING/);
      expect(worker.child.exitCode).toBeNull();

      release();
      expect(await worker.exited).toBe(0);
      // The email finished inside the grace time, and so did the workflow task it ran in (a local
      // activity): each email the SMTP server took is recorded once, at its first attempt, none failed
      // or sent again.
      const history = await env.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
      const emails = (history.events ?? []).flatMap((e) => {
        const m = e.markerRecordedEventAttributes;
        const data = m?.markerName === 'core_local_activity' ? m.details?.data?.payloads?.[0]?.data : null;
        if (!data) return [];
        const la = JSON.parse(Buffer.from(data).toString('utf8')) as {
          activity_type: string;
          attempt: number;
        };
        return la.activity_type === 'sendOrderEmail'
          ? [{ attempt: la.attempt, failed: Boolean(m?.failure) }]
          : [];
      });
      expect(emails.length).toBeGreaterThanOrEqual(1);
      expect(emails).toEqual(emails.map(() => ({ attempt: 1, failed: false })));
      expect(accepted).toEqual(emails.map(() => 'drain@example.com'));
      projector.child.kill('SIGTERM');
      expect(await projector.exited).toBe(0);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  }, 120_000);
});
