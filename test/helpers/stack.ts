import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { buildApp } from '../../api/app';
import { OrderChanges } from '../../api/order-changes';
import { freePort } from '../../stack/process';
import { startMailpit, type Mailbox } from '../../stack/mailpit';
import { cacheDir, tempDir } from './env';
import { createProjectorWorker } from '../../worker/projector-worker';
import { createSagaWorker } from '../../worker/saga-worker';
import { createWebhookWorker } from '../../worker/webhook-worker';
import type { WebhookSettings } from '../../activities/webhook-dispatch';
import { createMailer } from '../../worker/clients';
import { LogSmsProvider } from '../../infra/sms';
import { createMetrics, type Metrics } from '../../infra/metrics';
import { startStores, type TestStores } from './stores';
import { Client } from '@temporalio/client';
import { clientTracing, type Tracing } from '../../infra/tracing';
import {
  devServerEnv,
  quietWorkerLogs,
  TEST_PAYLOAD_KEYS,
  tracedWorkflowBundle,
  workflowBundle,
} from './temporal';
import { dataConverterFor } from '../../infra/payload-codec';
import { TEST_WEBHOOKS } from './app';
import { TEST_AUTH } from './auth';
import type { ReadModelDeps } from '../../projections/rebuild';

export interface TestStack {
  env: TestWorkflowEnvironment;
  stores: TestStores;
  /** the local mailbox (Mailpit): what the customers were sent */
  mailbox: Mailbox;
  app: FastifyInstance;
  /** http://127.0.0.1:<port> of the API */
  base: string;
  webhooks: WebhookSettings;
  /** every SMS the saga sent (the log provider, kept in memory) */
  sms: LogSmsProvider;
  /** each worker's metrics, as its process would export them */
  metrics: { saga: Metrics; projector: Metrics; webhooks: Metrics };
  /** what rebuild and verify read and write: the stores, the Temporal client and the key ring */
  readModels: ReadModelDeps;
  stop(): Promise<void>;
}

/**
 * The whole system in-process on free loopback ports: the Temporal dev server, the real saga and
 * projector and webhook workers, the API listening on a port, the Mongo-compatible store, Redis and the mailbox.
 */
export async function startTestStack(
  name: string,
  opts: { webhooks?: Partial<WebhookSettings>; tracing?: Tracing } = {},
): Promise<TestStack> {
  const webhooks = { ...TEST_WEBHOOKS, ...opts.webhooks };
  quietWorkerLogs();
  // Payloads encrypted, as in production: histories hold no personal data in clear.
  const dataConverter = dataConverterFor(TEST_PAYLOAD_KEYS);
  const mailDir = tempDir(`${name}-mail`);
  const [env, stores, mailbox] = await Promise.all([
    devServerEnv(dataConverter),
    startStores(name),
    Promise.all([freePort(), freePort()]).then(([smtpPort, uiPort]) =>
      startMailpit({ cacheDir, dataDir: mailDir.path, smtpPort, uiPort }),
    ),
  ]);
  const mailer = createMailer(mailbox.smtpUrl);
  const sms = new LogSmsProvider(() => undefined);
  const metrics = {
    saga: createMetrics('saga-worker'),
    projector: createMetrics('projector-worker'),
    webhooks: createMetrics('webhook-worker'),
  };
  const tracing = opts.tracing ?? null;
  const common = {
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    db: stores.db,
    dataConverter,
    tracing,
  };
  const bundle = tracing ? await tracedWorkflowBundle() : await workflowBundle();
  // Traced: the API's and the projector's client carry the trace into what they start.
  const client = tracing
    ? new Client({
        connection: env.connection,
        namespace: env.namespace ?? 'default',
        dataConverter,
        interceptors: clientTracing(tracing),
      })
    : env.client;
  const workers: Worker[] = await Promise.all([
    createSagaWorker({
      ...common,
      taskQueue: 'orders',
      mailer,
      mailFrom: 'Shop <shop@example.test>',
      sms,
      metrics: metrics.saga,
      workflowBundle: bundle,
    }),
    createProjectorWorker({
      ...common,
      taskQueue: 'projections',
      redis: stores.redis,
      webhooks: { client, settings: webhooks },
      reconciliation: { client, ordersTaskQueue: 'orders' },
      metrics: metrics.projector,
      keys: TEST_PAYLOAD_KEYS,
    }),
    createWebhookWorker({
      ...common,
      taskQueue: webhooks.taskQueue,
      outbound: webhooks.outbound,
      secretKeys: TEST_PAYLOAD_KEYS,
      workflowBundle: bundle,
      metrics: metrics.webhooks,
    }),
  ]);
  const running = Promise.all(workers.map((w) => w.run()));
  const changes = new OrderChanges(stores.redis.duplicate());
  const app = await buildApp({
    temporal: client,
    tracing,
    db: stores.db,
    redis: stores.redis,
    ordersTaskQueue: 'orders',
    projectionsTaskQueue: 'projections',
    paymentTerms: { dueAfterMs: 48 * 3_600_000, reminderAfterMs: 24 * 3_600_000 },
    webhooks,
    auth: TEST_AUTH,
    secretKeys: TEST_PAYLOAD_KEYS,
    changes,
  });
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  return {
    env,
    stores,
    mailbox,
    app,
    base: `http://127.0.0.1:${port}`,
    webhooks,
    sms,
    metrics,
    readModels: { db: stores.db, redis: stores.redis, temporal: env.client, keys: TEST_PAYLOAD_KEYS },
    stop: async () => {
      await app.close();
      changes.close();
      for (const w of workers) w.shutdown();
      await running;
      mailer.close();
      await Promise.all([env.teardown(), stores.stop(), mailbox.stop()]);
      mailDir.remove();
    },
  };
}
