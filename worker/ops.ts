import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Runtime, type ActivityInterceptorsFactory, type Worker } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { Config } from '../config';
import type { Logger as Pino } from 'pino';
import { createLogger, sdkLogger } from '../infra/logger';
import { startOpsServer } from '../infra/ops-server';
import { createMetrics, type Metrics } from '../infra/metrics';
import { connectMongo, temporalConnectionOptions } from './clients';
import { tracingTo, type Tracing } from '../infra/tracing';
import { isStoreUnreachable } from '../infra/mongo-errors';
import { runUntilSignal } from './signals';

/** Counts every failed activity attempt by activity and error type (a business code, or the error's name). */
export function countActivityFailures(
  metrics: Pick<Metrics, 'activityFailures'>,
): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          const type =
            err instanceof ApplicationFailure
              ? (err.type ?? 'ApplicationFailure')
              : err instanceof Error
                ? err.name
                : 'unknown';
          metrics.activityFailures.inc({ activity: ctx.info.activityType, error_type: type });
          throw err;
        }
      },
    },
  });
}

/** A worker as a readiness probe: ready only while it polls (its state otherwise, e.g. DRAINING). */
export const workerRunning = (worker: () => Worker | null) => async (): Promise<void> => {
  const state = worker()?.getState() ?? 'INITIALIZED';
  if (state !== 'RUNNING') throw new Error(state);
};

/**
 * The SDK runtime of a worker process, installed once before any connection: its logger writes JSON
 * through pino (workflow and activity lines with their workflowId, runId and orderId), its own metrics
 * (task slots, polls, latencies) go to SDK_METRICS_PORT.
 */
function installRuntime(config: Config, log: Pino): void {
  Runtime.install({
    logger: sdkLogger(log, config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'INFO'),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress: `${config.opsHost}:${config.sdkMetricsPort}` } },
    },
  });
}

/** What a worker process has made before its worker: handed to the function that builds the worker. */
export interface WorkerProcess {
  config: Config;
  log: Pino;
  metrics: Metrics;
  db: Db;
  connection: NativeConnection;
  /** the process's tracing (OTEL_EXPORTER_OTLP_ENDPOINT), or null */
  tracing: Tracing | null;
}

/**
 * The process's answer to a promise rejected with nobody waiting: a failed connection to the store is
 * logged and the process goes on; anything else ends it, as Node would. The MongoDB driver (7.9) leaves
 * such a promise behind when the store refuses connections under load: measured, both projectors of
 * the cluster exited on one in the reliability suite's store outage (300 orders), while every
 * operation that failed had also failed to its caller (and its activity was retried).
 */
export function survivingStoreOutages(log: Pick<Pino, 'warn'>) {
  return (reason: unknown): void => {
    if (isStoreUnreachable(reason)) {
      log.warn({ err: reason }, 'the store refused a connection nobody was waiting for');
      return;
    }
    throw reason;
  };
}

/**
 * The life of one worker process, the same for the three: the SDK runtime (pino logger, SDK metrics)
 * before any connection, this service's metrics, MongoDB and the Temporal connection; then `start`
 * builds the worker; the ops port serves /metrics and /health (MongoDB always probed, plus the given
 * probes) while it runs until SIGINT/SIGTERM; then the ops port, what `start` opened (`close`), the
 * connection and MongoDB are closed in that order, and the spans still buffered sent.
 */
export async function runWorkerProcess(
  service: string,
  config: Config,
  start: (p: WorkerProcess) => Promise<{
    worker: Worker;
    probes?: Record<string, () => Promise<unknown>>;
    close?: () => Promise<void>;
  }>,
): Promise<void> {
  const log = createLogger(service, config.logLevel);
  installRuntime(config, log);
  process.on('unhandledRejection', survivingStoreOutages(log));
  const metrics = createMetrics(service);
  const mongo = await connectMongo(config);
  const db = mongo.db(config.mongodbDb);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const tracing = tracingTo(config.otlpEndpoint, service);
  const { worker, probes = {}, close } = await start({ config, log, metrics, db, connection, tracing });
  const ops = await startOpsServer({
    port: config.opsPort,
    host: config.opsHost,
    metrics,
    probes: { worker: workerRunning(() => worker), mongodb: () => db.command({ ping: 1 }), ...probes },
  });
  await runUntilSignal(worker, async () => {
    await new Promise<void>((resolve) => {
      ops.closeAllConnections();
      ops.close(() => resolve());
    });
    await close?.();
    await connection.close();
    await mongo.close();
    await tracing?.shutdown();
  });
}
