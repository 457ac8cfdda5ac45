import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import { loadConfig, serviceUrls, type Config } from '../config';
import { createSagaActivities } from '../activities';
import { ensureBillingIndexes } from '../activities/billing';
import { seedCatalog } from '../activities/catalog';
import { connectMongo, createMailer } from './clients';
import { HttpSmsProvider, LogSmsProvider, type SmsProvider } from '../infra/sms';

/** The SMS provider the config names. */
export function createSmsProvider(config: Config, log: Pino): SmsProvider {
  if (config.smsProvider === 'http' && config.smsUrl) {
    return new HttpSmsProvider(config.smsUrl, { token: config.smsToken, timeoutMs: 10_000 });
  }
  return new LogSmsProvider(({ msg, ...line }) => log.info(line, String(msg)));
}
import { runUntilSignal } from './signals';
import { workflowCode } from './workflow-code';
import { countActivityFailures, installRuntime, startWorkerOps } from './ops';
import { createMetrics, type Metrics } from '../infra/metrics';
import { createLogger } from '../infra/logger';
import type { Logger as Pino } from 'pino';

export interface SagaWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  mailer: Transporter;
  mailFrom: string;
  sms: SmsProvider;
  /** counts failed activity attempts */
  metrics?: Metrics;
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
    shutdownGraceTime: deps.shutdownGraceMs ?? 30_000,
    ...workflowCode(deps.workflowBundle),
    ...(deps.metrics ? { interceptors: { activity: [countActivityFailures(deps.metrics)] } } : {}),
    activities: createSagaActivities({
      db: deps.db,
      mailer: deps.mailer,
      mailFrom: deps.mailFrom,
      sms: deps.sms,
    }),
  });
}

export async function main(config: Config = loadConfig()): Promise<void> {
  const log = createLogger('saga-worker', config.logLevel);
  installRuntime(config, log);
  const metrics = createMetrics('saga-worker');
  const mongo = await connectMongo(config);
  const db = mongo.db(config.mongodbDb);
  const mailer = createMailer(serviceUrls(config).smtp);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createSagaWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.ordersTaskQueue,
    db,
    mailer,
    mailFrom: config.mailFrom,
    sms: createSmsProvider(config, log),
    metrics,
    shutdownGraceMs: config.workerShutdownGraceMs,
  });
  const stopOps = await startWorkerOps({
    config,
    metrics,
    worker: () => worker,
    probes: { mongodb: () => db.command({ ping: 1 }) },
  });
  await runUntilSignal(worker, async () => {
    await stopOps();
    mailer.close();
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
