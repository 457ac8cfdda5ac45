import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
} from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { eventsOfHistory, valueOf } from '../projections/history';
import { CUSTOMER_ID } from '../workflows/search-attributes';
import type { PlaceOrderInput } from '../workflows/order';

/** Order runs that closed without completing: a terminated, failed or timed-out run did not end its order. */
export const ABANDONED_RUNS_QUERY =
  'WorkflowType = "orderWorkflow" AND ExecutionStatus != "Running" AND ExecutionStatus != "Completed"';

/** The input a run was started with. */
async function startInputOf<T>(client: Client, history: temporal.api.history.v1.IHistory): Promise<T> {
  const [payload] = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  if (!payload) throw new Error('the history has no start input');
  return valueOf<T>(client.options.loadedDataConverter, payload);
}

/**
 * The reconciliation's work, run by a worker that has a Temporal client (the projector worker): an
 * abandoned run is found in visibility, and a closing run (`closeAbandonedOrderWorkflow`) is started
 * under the same workflow id, which Temporal allows only once the last run there has closed without
 * completing (ALLOW_DUPLICATE_FAILED_ONLY). A run that a later one carries on (a reset, or a closing
 * run already started) is left alone.
 */
export function createReconciliationActivities(deps: { client: Client; ordersTaskQueue: string }) {
  const { client, ordersTaskQueue } = deps;

  async function close(workflowId: string, runId: string, status: string): Promise<string | null> {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const order = await startInputOf<PlaceOrderInput>(client, history);
    try {
      await client.workflow.start('closeAbandonedOrderWorkflow', {
        workflowId,
        taskQueue: ordersTaskQueue,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        args: [{ order, events: await eventsOfHistory(client, history), runId, status }],
        typedSearchAttributes: [{ key: CUSTOMER_ID, value: order.customer.id }],
        staticSummary: `Closing order ${order.orderId}: its run was ${status.toLowerCase()}`,
      });
      return order.orderId;
    } catch (err) {
      // Another pass got there first, or the order's id has a running run again (a reset).
      if (err instanceof WorkflowExecutionAlreadyStartedError) return null;
      throw err;
    }
  }

  return {
    /** Starts a closing run for each abandoned order, at most `limit` per pass; returns their ids. */
    async closeAbandonedOrders(limit: number): Promise<{ closing: string[] }> {
      const closing: string[] = [];
      for await (const run of client.workflow.list({ query: ABANDONED_RUNS_QUERY })) {
        if (closing.length >= limit) break;
        const latest = await client.workflow.getHandle(run.workflowId).describe();
        if (latest.runId !== run.runId) continue;
        const orderId = await close(run.workflowId, run.runId, run.status.name);
        if (orderId !== null) closing.push(orderId);
      }
      return { closing };
    },
  };
}
