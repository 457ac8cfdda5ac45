import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig, serviceUrls, type Config } from '../config';
import { createSagaActivities } from '../activities';
import { ensureBillingIndexes } from '../activities/billing';
import { seedCatalog } from '../activities/inventory';
import { connectMongo, createMailer } from './clients';
import { runUntilSignal } from './signals';

/** The saga worker: the order workflow and its activities on the orders task queue. */
export async function main(config: Config = loadConfig()): Promise<void> {
  const mongo = await connectMongo(config);
  const db = mongo.db(config.mongodbDb);
  await ensureBillingIndexes(db);
  await seedCatalog(db);
  const mailer = createMailer(serviceUrls(config).smtp);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.ordersTaskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createSagaActivities({ db, mailer, mailFrom: config.mailFrom }),
  });
  await runUntilSignal(worker, async () => {
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
