import { temporalConnectionOptions } from '../worker/clients';
import { loadConfig } from '../config';
import { dataConverterFor } from '../infra/payload-codec';
import { NativeConnection, Worker } from '@temporalio/worker';
import { STICKY_TIMEOUT } from '../worker/saga-worker';

/**
 * Worker process for the benchmark's Temporal limit, in the saga worker's place: `noopSaga` and its
 * `noop` activity (local, and ordinary on the workflow's own task queue) on NOOP_TASK_QUEUE, with the
 * saga worker's Temporal address, namespace, payload codec and sticky timeout (the stack's environment). The no-op's
 * activities on the projector's queue run in the benchmark (see `NoopLimit`). Stops on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: process.env.NOOP_TASK_QUEUE ?? 'bench-noop',
    dataConverter: dataConverterFor(config.payloadKeys),
    stickyQueueScheduleToStartTimeout: STICKY_TIMEOUT,
    workflowsPath: require.resolve('./noop-workflow'),
    activities: { noop: async () => undefined },
  });
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
