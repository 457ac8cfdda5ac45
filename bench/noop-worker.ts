import { loadConfig } from '../config';
import { dataConverterFor } from '../infra/payload-codec';
import { NativeConnection, Worker } from '@temporalio/worker';

/**
 * Worker process for the benchmark's Temporal limit: `noopSaga` and a `noop` activity on their own
 * task queue, with the SDK's defaults and the payload codec like the saga worker (PAYLOAD_KEYS, as the
 * bench's client encrypts). Stops on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const connection = await NativeConnection.connect({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.NOOP_TASK_QUEUE ?? 'bench-noop',
    dataConverter: dataConverterFor(loadConfig().payloadKeys),
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
