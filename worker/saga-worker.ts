import type { DataConverter } from '@temporalio/common';
import { dataConverterFor } from '../infra/payload-codec';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import { loadConfig, serviceUrls, type Config } from '../config';
import { createSagaActivities } from '../activities';
import { ensureBillingIndexes } from '../activities/billing';
import { seedCatalog } from '../activities/catalog';
import { createMailer } from './clients';
import { HttpSmsProvider, LogSmsProvider, type SmsProvider } from '../infra/sms';

/** The SMS provider the config names. */
export function createSmsProvider(config: Config, log: Pino): SmsProvider {
  if (config.smsProvider === 'http' && config.smsUrl) {
    return new HttpSmsProvider(config.smsUrl, { token: config.smsToken, timeoutMs: 10_000 });
  }
  return new LogSmsProvider(({ msg, ...line }) => log.info(line, String(msg)));
}
import { workerInterceptors, workflowCode } from './workflow-code';
import type { Tracing } from '../infra/tracing';
import { runWorkerProcess } from './ops';
import type { Metrics } from '../infra/metrics';
import type { Logger as Pino } from 'pino';

/** How long a task waits for the worker that has the run cached before any worker may take it. */
export const STICKY_TIMEOUT = '3s';

export interface SagaWorkerDeps {
  connection: NativeConnection;
  /** how payloads are encoded (encrypted when payload keys are configured) */
  dataConverter?: DataConverter;
  namespace: string;
  taskQueue: string;
  db: Db;
  mailer: Transporter;
  mailFrom: string;
  sms: SmsProvider;
  /** counts failed activity attempts */
  metrics?: Metrics;
  /** spans of the worker's workflows and activities, one trace per order (none: untraced) */
  tracing?: Tracing | null;
  /** how long running activities may finish after SIGTERM (default 30 s) */
  shutdownGraceMs?: number;
  /** a prebuilt bundle (tests); by default the worker bundles `workflows/` itself */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The saga worker: the order workflow and its activities on the orders task queue. */
export async function createSagaWorker(deps: SagaWorkerDeps): Promise<Worker> {
  await ensureBillingIndexes(deps.db);
  await seedCatalog(deps.db);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    dataConverter: deps.dataConverter,
    shutdownGraceTime: deps.shutdownGraceMs ?? 30_000,
    // A run cached on a worker that died gets its next task (a payment's Update) from the shared queue
    // after this, not after the default 10 s, which is as long as the API waits for an Update.
    stickyQueueScheduleToStartTimeout: STICKY_TIMEOUT,
    ...workflowCode(deps.workflowBundle),
    ...workerInterceptors({ ...deps, workflows: true }),
    activities: createSagaActivities({
      db: deps.db,
      mailer: deps.mailer,
      mailFrom: deps.mailFrom,
      sms: deps.sms,
    }),
  });
}

export function main(config: Config = loadConfig()): Promise<void> {
  return runWorkerProcess('saga-worker', config, async ({ log, metrics, db, connection, tracing }) => {
    const mailer = createMailer(serviceUrls(config).smtp);
    const worker = await createSagaWorker({
      connection,
      namespace: config.temporalNamespace,
      dataConverter: dataConverterFor(config.payloadKeys),
      taskQueue: config.ordersTaskQueue,
      db,
      mailer,
      mailFrom: config.mailFrom,
      sms: createSmsProvider(config, log),
      metrics,
      tracing,
      shutdownGraceMs: config.workerShutdownGraceMs,
    });
    return { worker, close: async () => mailer.close() };
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
