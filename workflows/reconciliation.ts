import { proxyActivities } from '@temporalio/workflow';
import type { createReconciliationActivities } from '../activities/reconciliation';

export interface ReconciliationInput {
  /** the task queue of the worker that can list and start runs (the projector worker) */
  projectionsTaskQueue: string;
  /** at most this many abandoned orders closed per pass */
  limit: number;
}

/**
 * One pass of the reconciliation, started by its Temporal Schedule: finds the orders whose run closed
 * without ending them (terminated, failed, timed out) and starts a closing run for each.
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
  return closeAbandonedOrders(input.limit);
}
