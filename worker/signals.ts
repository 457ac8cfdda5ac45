import type { Worker } from '@temporalio/worker';

/**
 * Runs the worker until SIGINT/SIGTERM (the SDK's default shutdown signals): it stops polling,
 * lets running tasks finish within the shutdown grace time, then `cleanup` closes the clients.
 */
export async function runUntilSignal(worker: Worker, cleanup: () => Promise<void>): Promise<void> {
  try {
    await worker.run();
  } finally {
    await cleanup();
  }
}
