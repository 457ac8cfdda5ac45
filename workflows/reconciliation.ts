import { proxyActivities } from '@temporalio/workflow';
import type { createReconciliationActivities } from '../activities/reconciliation';

export interface ReconciliationInput {
  /** the task queue of the worker that can list and start runs (the projector worker) */
  projectionsTaskQueue: string;
  /** abandoned orders closed per activity (a batch) */
  limit: number;
}

/**
 * One pass of the reconciliation, started by its Temporal Schedule: finds the orders whose run closed
 * without ending them (terminated, failed, timed out) and starts a closing run for each, in batches of
 * `limit`.
 */
export async function reconcileOrdersWorkflow(input: ReconciliationInput): Promise<{ closing: string[] }> {
  const { closeAbandonedOrders } = proxyActivities<ReturnType<typeof createReconciliationActivities>>({
    taskQueue: input.projectionsTaskQueue,
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 5,
    },
  });
  // A full batch may leave more behind: the next batch, up to 20 in one pass (the next pass does the rest).
  const closing: string[] = [];
  for (let batch = 0; batch < 20; batch++) {
    const found = await closeAbandonedOrders(input.limit);
    closing.push(...found.closing);
    if (found.closing.length < input.limit) break;
  }
  return { closing };
}
