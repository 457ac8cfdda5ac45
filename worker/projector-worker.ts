import type { DataConverter } from '@temporalio/common';
import { dataConverterFor, type PayloadKeys } from '../infra/payload-codec';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { loadConfig, serviceUrls, webhookSettings, type Config } from '../config';
import { createWebhookDispatcher, type WebhookSettings } from '../activities/webhook-dispatch';
import { createProjectionActivities } from '../projections/activities';
import { ensureReadModelIndexes } from '../projections/indexes';
import { applyStockSnapshot } from '../projections/products/view';
import { currentSnapshots, seedCatalog } from '../activities/catalog';
import { connectRedis, connectTemporal } from './clients';
import type { Tracing } from '../infra/tracing';
import { runWorkerProcess } from './ops';
import { workerInterceptors } from './workflow-code';
import type { Metrics } from '../infra/metrics';
import { deadLettersCollection } from '../projections/dead-letters/view';
import { createReconciliationActivities } from '../activities/reconciliation';
import { ensureReconciliationSchedule } from '../infra/reconciliation-schedule';

export interface ProjectorWorkerDeps {
  connection: NativeConnection;
  /** how payloads are encoded (encrypted when payload keys are configured) */
  dataConverter?: DataConverter;
  namespace: string;
  taskQueue: string;
  db: Db;
  redis: Redis;
  /** with these, each projected event starts its webhook deliveries */
  webhooks?: { client: Client; settings: WebhookSettings };
  /** with these, the worker runs the reconciliation's activity (it lists and starts order runs) */
  reconciliation?: { client: Client; ordersTaskQueue: string };
  /** projection lag, orders placed and finished, saga duration, open dead letters, failed attempts */
  metrics?: Metrics;
  /** spans of the worker's workflows and activities, one trace per order (none: untraced) */
  tracing?: Tracing | null;
  /** how long running activities may finish after SIGTERM (default 30 s) */
  shutdownGraceMs?: number;
  /** the payload key ring, which also seals the event log */
  keys?: PayloadKeys;
}

/** The projector worker: applies domain events to the MongoDB and Redis read models. */
export async function createProjectorWorker(deps: ProjectorWorkerDeps): Promise<Worker> {
  await ensureReadModelIndexes(deps.db);
  // The catalog's read models start from the ledger as it is (movements made while no projector ran).
  await seedCatalog(deps.db);
  deps.metrics?.deadLettersOpen(() => deadLettersCollection(deps.db).countDocuments({ status: 'open' }));
  const now = new Date();
  for (const snapshot of await currentSnapshots(deps.db)) {
    await applyStockSnapshot(deps.db, deps.redis, snapshot, now);
  }
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    dataConverter: deps.dataConverter,
    shutdownGraceTime: deps.shutdownGraceMs ?? 30_000,
    ...workerInterceptors({ ...deps, workflows: false }),
    activities: {
      ...createProjectionActivities({
        metrics: deps.metrics,
        keys: deps.keys,
        db: deps.db,
        redis: deps.redis,
        dispatchWebhooks:
          deps.webhooks && createWebhookDispatcher({ ...deps.webhooks, db: deps.db, redis: deps.redis }),
      }),
      ...(deps.reconciliation ? createReconciliationActivities(deps.reconciliation) : {}),
    },
  });
}

export function main(config: Config = loadConfig()): Promise<void> {
  return runWorkerProcess('projector-worker', config, async ({ metrics, db, connection, tracing }) => {
    const redis = connectRedis(serviceUrls(config).redis);
    // The worker polls through the native connection; starting delivery workflows needs a client.
    const { client, connection: clientConnection } = await connectTemporal(config, tracing);
    const { ordersTaskQueue, projectionsTaskQueue } = config;
    await ensureReconciliationSchedule(client, {
      everyMs: config.reconcileEveryMs,
      ordersTaskQueue,
      projectionsTaskQueue,
    });
    const worker = await createProjectorWorker({
      connection,
      namespace: config.temporalNamespace,
      dataConverter: dataConverterFor(config.payloadKeys),
      keys: config.payloadKeys,
      taskQueue: config.projectionsTaskQueue,
      db,
      redis,
      webhooks: { client, settings: webhookSettings(config) },
      reconciliation: { client, ordersTaskQueue },
      metrics,
      tracing,
      shutdownGraceMs: config.workerShutdownGraceMs,
    });
    return {
      worker,
      probes: { redis: () => redis.ping() },
      close: async () => {
        await clientConnection.close();
        redis.disconnect();
      },
    };
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
