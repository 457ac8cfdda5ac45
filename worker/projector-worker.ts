import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig, serviceUrls, type Config } from '../config';
import { createProjectionActivities } from '../projections/activities';
import { ensureOrderIndexes } from '../projections/orders/mongo';
import { connectMongo, connectRedis } from './clients';
import { runUntilSignal } from './signals';

/** The projector worker: applies domain events to the MongoDB and Redis read models. */
export async function main(config: Config = loadConfig()): Promise<void> {
  const mongo = await connectMongo(config);
  const db = mongo.db(config.mongodbDb);
  await ensureOrderIndexes(db);
  const redis = connectRedis(serviceUrls(config).redis);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.projectionsTaskQueue,
    activities: createProjectionActivities({ db, redis }),
  });
  await runUntilSignal(worker, async () => {
    await connection.close();
    redis.disconnect();
    await mongo.close();
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
