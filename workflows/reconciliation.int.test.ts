import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { quietWorkerLogs, timeSkippingEnv, workflowBundle } from '../test/helpers/temporal';
import { reconcileOrdersWorkflow } from './reconciliation';

describe('a reconciliation pass (time-skipping server, mocked activity)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    quietWorkerLogs();
    env = await timeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  test('given more abandoned orders than a batch holds, then the pass takes batches until one comes back short', async () => {
    const batches = [['a', 'b'], ['c', 'd'], ['e']];
    const asked: number[] = [];
    const [worker, activities] = await Promise.all([
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'reconcile-wf',
        workflowBundle: await workflowBundle(),
      }),
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'reconcile-acts',
        activities: {
          closeAbandonedOrders: async (limit: number) => {
            asked.push(limit);
            return { closing: batches.shift() ?? [] };
          },
        },
      }),
    ]);
    const result = await activities.runUntil(
      worker.runUntil(
        env.client.workflow.execute(reconcileOrdersWorkflow, {
          taskQueue: 'reconcile-wf',
          workflowId: 'reconcile-batches',
          args: [{ projectionsTaskQueue: 'reconcile-acts', limit: 2 }],
        }),
      ),
    );
    expect(result).toEqual({ closing: ['a', 'b', 'c', 'd', 'e'] });
    expect(asked).toEqual([2, 2, 2]);
  });
});
