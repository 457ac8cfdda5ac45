import type { DataConverter } from '@temporalio/common';
import { dataConverterFor, type PayloadKeys } from '../infra/payload-codec';
import { SecretBox } from '../infra/secret-box';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { loadConfig, webhookSettings, type Config } from '../config';
import { STICKY_TIMEOUT } from './saga-worker';
import { createWebhookActivities } from '../activities/webhooks';
import { ensureSubscriptionIndexes } from '../activities/webhook-subscriptions';
import type { OutboundPolicy } from '../infra/outbound-http';
import { workerInterceptors, workflowCode } from './workflow-code';
import type { Tracing } from '../infra/tracing';
import { runWorkerProcess } from './ops';
import type { Metrics } from '../infra/metrics';

export interface WebhookWorkerDeps {
  connection: NativeConnection;
  /** how payloads are encoded (encrypted when payload keys are configured) */
  dataConverter?: DataConverter;
  namespace: string;
  taskQueue: string;
  db: Db;
  outbound: OutboundPolicy;
  /** opens the signing secrets sealed at rest */
  secretKeys?: PayloadKeys;
  /** webhook attempts by outcome, failed activity attempts */
  metrics?: Metrics;
  /** spans of the worker's workflows and activities, one trace per order (none: untraced) */
  tracing?: Tracing | null;
  /** how long running activities may finish after SIGTERM (default 30 s) */
  shutdownGraceMs?: number;
  /** a prebuilt bundle (tests); by default the worker bundles `workflows/` itself */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * The webhook worker: delivery workflows and their HTTP attempts on their own task queue, so that slow
 * receivers take slots from nothing but other webhooks, and this worker scales on its own.
 */
export async function createWebhookWorker(deps: WebhookWorkerDeps): Promise<Worker> {
  await ensureSubscriptionIndexes(deps.db);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    dataConverter: deps.dataConverter,
    shutdownGraceTime: deps.shutdownGraceMs ?? 30_000,
    stickyQueueScheduleToStartTimeout: STICKY_TIMEOUT,
    ...workflowCode(deps.workflowBundle),
    ...workerInterceptors({ ...deps, workflows: true }),
    activities: createWebhookActivities({
      db: deps.db,
      outbound: deps.outbound,
      metrics: deps.metrics,
      secrets: new SecretBox(deps.secretKeys),
    }),
  });
}

export function main(config: Config = loadConfig()): Promise<void> {
  return runWorkerProcess('webhook-worker', config, async ({ metrics, db, connection, tracing }) => {
    const settings = webhookSettings(config);
    const worker = await createWebhookWorker({
      connection,
      namespace: config.temporalNamespace,
      dataConverter: dataConverterFor(config.payloadKeys),
      taskQueue: settings.taskQueue,
      db,
      outbound: settings.outbound,
      secretKeys: config.payloadKeys,
      metrics,
      tracing,
      shutdownGraceMs: config.workerShutdownGraceMs,
    });
    return { worker };
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
