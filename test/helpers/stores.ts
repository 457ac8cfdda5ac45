import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { freePort } from '../../stack/process';
import { startMongo, startRedis } from '../../stack/stores';
import { cacheDir, tempDir } from './env';

export interface TestStores {
  mongoUrl: string;
  redisUrl: string;
  mongo: MongoClient;
  db: Db;
  redis: Redis;
  stop(): Promise<void>;
}

/**
 * Starts a real Mongo-compatible server (FerretDB/SQLite, or mongod when on PATH) and Redis on free
 * loopback ports in a temporary folder; `stop` stops both and removes the folder.
 */
export async function startStores(name: string): Promise<TestStores> {
  const dir = tempDir(name);
  const [mongoSvc, redisSvc] = await Promise.all([
    freePort().then((port) => startMongo({ cacheDir, dataDir: dir.path, port })),
    freePort().then((port) => startRedis({ cacheDir, dataDir: dir.path, port })),
  ]);
  const mongo = await MongoClient.connect(mongoSvc.url, { serverSelectionTimeoutMS: 10_000 });
  const redis = new Redis(redisSvc.url, { maxRetriesPerRequest: 1 });
  return {
    mongoUrl: mongoSvc.url,
    redisUrl: redisSvc.url,
    mongo,
    db: mongo.db(`test_${name.replace(/\W/g, '_')}`),
    redis,
    stop: async () => {
      redis.disconnect();
      await mongo.close();
      await Promise.all([mongoSvc.stop(), redisSvc.stop()]);
      dir.remove();
    },
  };
}
