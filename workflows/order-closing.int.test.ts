import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { makeEvent, type OrderEvent } from '../domain/events';
import { LINES, mockSaga, TERMS, TOTAL } from '../test/helpers/order-harness';
import { recordHistory } from '../test/helpers/histories';
import { quietWorkerLogs, timeSkippingEnv, workflowBundle } from '../test/helpers/temporal';
import { closeAbandonedOrderWorkflow, type AbandonedRun } from './order-closing';

const at = new Date('2026-01-01T00:00:00Z');
const customer = { id: 'c-1', email: 'ada@example.com' };
const items = [{ sku: 'KB-001', quantity: 2 }];

/** The log of an order that got as far as `upTo` events: placed, reserved, invoiced, paid. */
function logUpTo(orderId: string, upTo: number): OrderEvent[] {
  return [
    makeEvent('OrderPlaced', orderId, 1, at, { customer, items }),
    makeEvent('StockReserved', orderId, 2, at, { lines: LINES, total: TOTAL, currency: 'EUR', stock: [] }),
    makeEvent('InvoiceIssued', orderId, 3, at, {
      invoiceId: 'inv-o',
      number: 7,
      total: TOTAL,
      currency: 'EUR',
      dueAt: '2026-01-03T00:00:00.000Z',
    }),
    makeEvent('PaymentReceived', orderId, 4, at, { reference: 'pay-1', amount: TOTAL, currency: 'EUR' }),
    makeEvent('OrderCompleted', orderId, 5, at, {}),
  ].slice(0, upTo);
}

describe('closing an abandoned order run (time-skipping server, mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    quietWorkerLogs();
    env = await timeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  /** Closes the order `name` left with `events` by a run that ended `status`; returns what was projected. */
  async function close(name: string, events: OrderEvent[], status = 'TERMINATED', saga = mockSaga()) {
    const projected: OrderEvent[] = [];
    const run: AbandonedRun = {
      order: {
        orderId: name,
        customer,
        items,
        paymentTerms: TERMS,
        projectionsTaskQueue: `projections-${name}`,
      },
      events,
      runId: 'run-1',
      status,
    };
    const [worker, projector] = await Promise.all([
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: `orders-${name}`,
        workflowBundle: await workflowBundle(),
        activities: saga,
      }),
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: run.order.projectionsTaskQueue,
        activities: {
          projectEvents: async (batch: OrderEvent[]) => {
            for (const e of batch) if (!projected.some((p) => p.seq === e.seq)) projected.push(e);
            return { applied: batch.length, duplicates: 0 };
          },
          recordNotificationFailure: async () => undefined,
        },
      }),
    ]);
    const result = await projector.runUntil(
      worker.runUntil(async () => {
        const handle = await env.client.workflow.start(closeAbandonedOrderWorkflow, {
          taskQueue: `orders-${name}`,
          workflowId: `order-${name}`,
          args: [run],
        });
        const out = await handle.result();
        await recordHistory(`order-${name}`, await handle.fetchHistory());
        return out;
      }),
    );
    return { result, types: projected.map((e) => e.type), calls: saga.calls };
  }

  test('given a terminated run that awaited payment, then its invoice is voided, its stock released and the order CANCELLED, after the log it had', async () => {
    const { result, types, calls } = await close('closing-awaiting', logUpTo('closing-awaiting', 3));
    expect(result).toEqual({
      orderId: 'closing-awaiting',
      status: 'CANCELLED',
      reason: 'run terminated in Temporal; closed by the reconciliation',
    });
    expect(types).toEqual([
      'OrderPlaced',
      'StockReserved',
      'InvoiceIssued',
      'InvoiceVoided',
      'StockReleased',
      'OrderCancelled',
      'NotificationSent',
    ]);
    expect(calls).toEqual(['voidInvoice', 'releaseStock', 'sendOrderEmail']);
  });

  test('given a run that failed before it recorded anything, then whatever it may have held is released and the order FAILED', async () => {
    const noInvoice = mockSaga({ voidInvoice: async () => null });
    const { result, types, calls } = await close('closing-empty', [], 'FAILED', noInvoice);
    expect(result).toMatchObject({
      status: 'FAILED',
      reason: 'run failed in Temporal; closed by the reconciliation',
    });
    expect(types).toEqual(['OrderPlaced', 'StockReleased', 'OrderFailed', 'NotificationSent']);
    expect(calls).toEqual(['voidInvoice', 'releaseStock', 'sendOrderEmail']);
  });

  test('given a terminated run whose payment was recorded, then the order completes and nothing is undone', async () => {
    const { result, types, calls } = await close('closing-paid', logUpTo('closing-paid', 4));
    expect(result).toMatchObject({ status: 'COMPLETED' });
    expect(types.slice(3)).toEqual(['PaymentReceived', 'OrderCompleted', 'NotificationSent']);
    expect(calls).toEqual(['sendOrderEmail']);
  });

  test('given a run terminated after its order ended, then its log is projected again and nothing else happens', async () => {
    const { result, types, calls } = await close('closing-ended', logUpTo('closing-ended', 5));
    expect(result).toMatchObject({ status: 'COMPLETED' });
    expect(types).toHaveLength(5);
    expect(calls).toEqual([]);
  });
});
