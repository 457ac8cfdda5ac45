import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { loadConfig, webhookSettings, type Config } from '../config';
import { createWebhookActivities } from '../activities/webhooks';
import { ensureSubscriptionIndexes } from '../activities/webhook-subscriptions';
import type { OutboundPolicy } from '../infra/outbound-http';
import { connectMongo } from './clients';
import { runUntilSignal } from './signals';
import { workflowCode } from './workflow-code';

export interface WebhookWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  outbound: OutboundPolicy;
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
    ...workflowCode(deps.workflowBundle),
    activities: createWebhookActivities({ db: deps.db, outbound: deps.outbound }),
  });
}

export async function main(config: Config = loadConfig()): Promise<void> {
  const mongo = await connectMongo(config);
  const db = mongo.db(config.mongodbDb);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const settings = webhookSettings(config);
  const worker = await createWebhookWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: settings.taskQueue,
    db,
    outbound: settings.outbound,
  });
  await runUntilSignal(worker, async () => {
    await connection.close();
    await mongo.close();
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
