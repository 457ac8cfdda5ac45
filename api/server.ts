import { loadConfig, serviceUrls, webhookSettings, type Config } from '../config';
import { connectMongo, connectRedis, connectTemporal } from '../worker/clients';
import { buildApp } from './app';
import { OrderChanges } from './order-changes';
import { createLogger } from '../infra/logger';
import { createMetrics } from '../infra/metrics';
import { startOpsServer } from '../infra/ops-server';
import { tracingTo } from '../infra/tracing';

/** The API process: one Temporal connection, one Mongo pool and one Redis client for all requests. */
export async function main(config: Config = loadConfig()): Promise<void> {
  if (config.auth === undefined) {
    throw new Error('Invalid configuration: set AUTH_JWT_SECRET or AUTH_JWKS_URL (how callers are verified)');
  }
  const mongo = await connectMongo(config);
  const redis = connectRedis(serviceUrls(config).redis);
  const changes = new OrderChanges(redis.duplicate());
  const tracing = tracingTo(config.otlpEndpoint, 'api');
  const { client: temporal, connection } = await connectTemporal(config, tracing);
  const metrics = createMetrics('api');
  const app = await buildApp({
    temporal,
    db: mongo.db(config.mongodbDb),
    redis,
    ordersTaskQueue: config.ordersTaskQueue,
    projectionsTaskQueue: config.projectionsTaskQueue,
    paymentTerms: { dueAfterMs: config.paymentDueAfterMs, reminderAfterMs: config.paymentReminderAfterMs },
    webhooks: webhookSettings(config),
    auth: config.auth,
    metrics,
    secretKeys: config.payloadKeys,
    codecOrigins: config.codecOrigins,
    trustProxy: config.trustProxy,
    logger: createLogger('api', config.logLevel),
    changes,
    tracing,
    rateLimit:
      config.rateLimitMax > 0 ? { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs } : undefined,
  });
  await app.listen({ host: config.apiHost, port: config.apiPort });
  // Metrics (and the probes again) on the ops port: not served to the public.
  const ops = await startOpsServer({
    port: config.opsPort,
    host: config.opsHost,
    metrics,
    probes: {
      temporal: () => temporal.workflowService.getSystemInfo({}),
      mongodb: () => mongo.db(config.mongodbDb).command({ ping: 1 }),
      redis: () => redis.ping(),
    },
  });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    // Stops accepting, answers the requests in flight (each then closes its connection), then closes
    // the clients. A request still running after the grace time has its connection dropped.
    app.log.info({ graceMs: config.apiShutdownGraceMs }, 'shutting down: no new connections');
    const overdue = setTimeout(() => {
      app.log.warn('shutdown grace time over: dropping the connections still open');
      app.server.closeAllConnections();
    }, config.apiShutdownGraceMs);
    await app.close();
    clearTimeout(overdue);
    ops.closeAllConnections();
    await new Promise<void>((resolve) => ops.close(() => resolve()));
    await connection.close();
    changes.close();
    redis.disconnect();
    await mongo.close();
    // the spans still buffered go out
    await tracing?.shutdown();
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
