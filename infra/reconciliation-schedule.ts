import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { ReconciliationInput } from '../workflows/reconciliation';

/** The reconciliation's Temporal Schedule: one per namespace, whichever process makes it first. */
export const RECONCILIATION_SCHEDULE_ID = 'order-reconciliation';

/** Orders closed per activity of a pass (a pass runs up to 20 such batches). */
const PER_BATCH = 100;

/**
 * Makes the Schedule that runs the reconciliation every `everyMs` (a pass that is still running when
 * the next is due makes it skip), or leaves the one that exists. Operators see it, pause it or trigger
 * it in the Web UI's Schedules page.
 */
export async function ensureReconciliationSchedule(
  client: Client,
  opts: { everyMs: number; ordersTaskQueue: string; projectionsTaskQueue: string },
): Promise<void> {
  const input: ReconciliationInput = { projectionsTaskQueue: opts.projectionsTaskQueue, limit: PER_BATCH };
  try {
    await client.schedule.create({
      scheduleId: RECONCILIATION_SCHEDULE_ID,
      spec: { intervals: [{ every: opts.everyMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'reconcileOrdersWorkflow',
        taskQueue: opts.ordersTaskQueue,
        args: [input],
        workflowExecutionTimeout: '10 minutes',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: { note: 'closes orders whose run was terminated, failed or timed out' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}
