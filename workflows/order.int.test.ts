import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createSagaActivities } from '../activities';
import type { OrderEvent } from '../domain/events';
import type { createProjectionActivities } from '../projections/activities';
import { recordHistory } from '../test/helpers/histories';
import { quietWorkerLogs, timeSkippingEnv, workflowBundle } from '../test/helpers/temporal';
import { getOrderQuery, orderWorkflow, type PlaceOrderInput } from './order';
import { ORDER_STATUS, ORDER_TOTAL } from './search-attributes';

type Saga = ReturnType<typeof createSagaActivities>;
type Projection = ReturnType<typeof createProjectionActivities>;

const LINES = [{ sku: 'KB-001', name: 'Keyboard', quantity: 2, unitPrice: 8900, lineTotal: 17800 }];

function mockSaga(overrides: Partial<Saga> = {}): Saga & { calls: string[] } {
  const calls: string[] = [];
  const saga: Saga = {
    reserveStock: async () => ({ lines: LINES, total: 17800, currency: 'EUR' }),
    releaseStock: async () => undefined,
    issueInvoice: async () => ({ invoiceId: 'inv-o', number: 7, total: 17800, currency: 'EUR' }),
    sendOrderEmail: async ({ kind, order }) => ({ messageId: `<${order.orderId}.${kind}@test>` }),
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(saga).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as Saga;
  return Object.assign(recorded, { calls });
}

describe('order workflow (time-skipping server, mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    quietWorkerLogs();
    env = await timeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  async function run(saga: Saga, orderId: string) {
    const projected: OrderEvent[] = [];
    const projection: Projection = {
      projectEvent: async (e) => {
        projected.push(e);
        return { outcome: 'applied' };
      },
    };
    const input: PlaceOrderInput = {
      orderId,
      customer: { id: 'c-1', email: 'ada@example.com' },
      items: [{ sku: 'KB-001', quantity: 2 }],
      projectionsTaskQueue: `projections-${orderId}`,
    };
    const sagaWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: `orders-${orderId}`,
      workflowBundle: await workflowBundle(),
      activities: saga,
    });
    const projector = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: input.projectionsTaskQueue,
      activities: projection,
    });
    const handle = await env.client.workflow.start(orderWorkflow, {
      taskQueue: `orders-${orderId}`,
      workflowId: `order-${orderId}`,
      args: [input],
    });
    // The query needs a running worker, so it is asked before the workers stop.
    const { result, state } = await projector.runUntil(
      sagaWorker.runUntil(async () => {
        const done = await handle.result();
        return { result: done, state: await handle.query(getOrderQuery) };
      }),
    );
    await recordHistory(orderId, await handle.fetchHistory());
    return { result, projected, state, handle };
  }

  test('given stock, when an order is placed, then it completes with every event projected in order', async () => {
    const saga = mockSaga();
    const { result, projected, state, handle } = await run(saga, 'happy');
    expect(result).toEqual({ orderId: 'happy', status: 'COMPLETED', reason: null });
    expect(projected.map((e) => e.type)).toEqual([
      'OrderPlaced',
      'StockReserved',
      'InvoiceIssued',
      'NotificationSent',
      'OrderCompleted',
    ]);
    expect(projected.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(state).toMatchObject({ status: 'COMPLETED', total: 17800, invoice: { number: 7 }, version: 5 });
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(ORDER_STATUS)).toBe('COMPLETED');
    expect(typedSearchAttributes.get(ORDER_TOTAL)).toBe(178);
    expect(saga.calls).toEqual(['reserveStock', 'issueInvoice', 'sendOrderEmail']);
  });

  test('given too little stock, when an order is placed, then it is REJECTED with the reason and notified', async () => {
    const saga = mockSaga({
      reserveStock: async () => {
        throw ApplicationFailure.nonRetryable(
          'insufficient stock for KB-001: 2 requested',
          'INSUFFICIENT_STOCK',
        );
      },
    });
    const { result, projected } = await run(saga, 'short');
    expect(result).toEqual({
      orderId: 'short',
      status: 'REJECTED',
      reason: 'insufficient stock for KB-001: 2 requested',
    });
    expect(projected.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderRejected', 'NotificationSent']);
    expect(projected[1]?.data).toEqual({
      code: 'INSUFFICIENT_STOCK',
      reason: 'insufficient stock for KB-001: 2 requested',
    });
    expect(saga.calls).toEqual(['reserveStock', 'sendOrderEmail']);
  });

  test('given an unknown SKU, when an order is placed, then it is REJECTED without retrying', async () => {
    const saga = mockSaga({
      reserveStock: async () => {
        throw ApplicationFailure.nonRetryable('unknown SKU: NOPE', 'UNKNOWN_SKU');
      },
    });
    const { result } = await run(saga, 'unknown');
    expect(result.status).toBe('REJECTED');
    expect(saga.calls.filter((c) => c === 'reserveStock')).toHaveLength(1);
  });

  test('given the invoice keeps failing, when retries run out, then stock is released and the order FAILED', async () => {
    const saga = mockSaga({
      issueInvoice: async () => {
        throw new Error('billing database unreachable');
      },
    });
    const { result, projected } = await run(saga, 'invoice-fails');
    expect(result.status).toBe('FAILED');
    expect(result.reason).toContain('billing database unreachable');
    expect(projected.map((e) => e.type)).toEqual([
      'OrderPlaced',
      'StockReserved',
      'StockReleased',
      'OrderFailed',
    ]);
    expect(saga.calls.filter((c) => c === 'issueInvoice')).toHaveLength(5);
    expect(saga.calls.at(-1)).toBe('releaseStock');
  });

  test('given the stock store keeps failing, when retries run out, then any hold is released and the order FAILED', async () => {
    const saga = mockSaga({
      reserveStock: async () => {
        throw new Error('inventory unreachable');
      },
    });
    const { result, projected } = await run(saga, 'reserve-fails');
    expect(result).toMatchObject({ status: 'FAILED' });
    expect(result.reason).toContain('inventory unreachable');
    expect(projected.map((e) => e.type)).toEqual(['OrderPlaced', 'StockReleased', 'OrderFailed']);
    expect(saga.calls).toEqual([...Array<string>(5).fill('reserveStock'), 'releaseStock']);
  });

  test('given the email keeps failing, when the order is invoiced, then it still completes', async () => {
    const saga = mockSaga({
      sendOrderEmail: async () => {
        throw new Error('SMTP down');
      },
    });
    const { result, projected } = await run(saga, 'mail-fails');
    expect(result.status).toBe('COMPLETED');
    expect(projected.map((e) => e.type)).not.toContain('NotificationSent');
  });
});
