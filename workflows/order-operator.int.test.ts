import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  COMPENSATED_AFTER_INVOICE,
  gate,
  holdBatchWith,
  LINES,
  mockSaga,
  PAYMENT,
  runOrder,
  sagaVoidingAtGate,
  TOTAL,
} from '../test/helpers/order-harness';
import { quietWorkerLogs, timeSkippingEnv } from '../test/helpers/temporal';
import { OPERATOR_CANCELLATION, payOrderUpdate } from './order';
import { ORDER_STATUS } from './search-attributes';
import type { OrderEvent } from '../domain/events';

/** The kinds of the notifications the customer was sent, in order. */
const kindsSent = (events: OrderEvent[]) =>
  events.filter((e) => e.type === 'NotificationSent').map((e) => (e.data as { kind: string }).kind);

describe('operator actions through Temporal, and the order closing (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    quietWorkerLogs();
    env = await timeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  test('given an operator cancels the run before any worker picked it up, then nothing is reserved and the order ends CANCELLED', async () => {
    const saga = mockSaga();
    await runOrder(
      env,
      'operator-cancel-at-start',
      saga,
      async (order) => {
        expect(await order.handle.result()).toEqual({
          orderId: 'operator-cancel-at-start',
          status: 'CANCELLED',
          reason: OPERATOR_CANCELLATION,
        });
        expect(order.types()).toEqual([
          'OrderPlaced',
          'NotificationSent',
          'OrderCancelled',
          'NotificationSent',
        ]);
        expect(kindsSent(order.projected)).toEqual(['order-received', 'order-cancelled']);
        // The run itself completed: its result says how the order ended.
        expect((await order.handle.describe()).status.name).toBe('COMPLETED');
      },
      { operatorCancelAtStart: true },
    );
    expect(saga.calls).toEqual(['sendOrderEmail', 'sendOrderEmail']);
  });

  test('given the reservation is running, when an operator cancels the run, then the reservation finishes and is undone', async () => {
    const reserving = gate();
    const saga = mockSaga({
      reserveStock: async () => {
        await reserving.pass();
        return { lines: LINES, total: TOTAL, currency: 'EUR', stock: [] };
      },
    });
    await runOrder(env, 'operator-cancel-reserving', saga, async (order) => {
      await reserving.reached;
      await order.handle.cancel();
      reserving.open();
      expect(await order.handle.result()).toMatchObject({
        status: 'CANCELLED',
        reason: OPERATOR_CANCELLATION,
      });
      // The request reaches the run in the task after the local step: after the reservation, or after
      // the invoice when it gets to the server later.
      const afterReservation = ['StockReserved', 'StockReleased', 'OrderCancelled', 'NotificationSent'];
      expect([afterReservation, COMPENSATED_AFTER_INVOICE.slice(2)]).toContainEqual(order.types().slice(2));
      expect(order.projected.find((e) => e.type === 'StockReleased')?.data).toEqual({
        reason: OPERATOR_CANCELLATION,
        stock: [],
      });
    });
    expect(saga.calls.filter((c) => c === 'releaseStock')).toHaveLength(1);
  });

  test('given an order awaiting payment, when an operator cancels the run, then the invoice is voided, the stock released, the customer told and the order CANCELLED', async () => {
    const saga = mockSaga();
    await runOrder(env, 'operator-cancel-awaiting', saga, async (order) => {
      await order.until('AWAITING_PAYMENT');
      await order.handle.cancel();
      expect(await order.handle.result()).toMatchObject({
        status: 'CANCELLED',
        reason: OPERATOR_CANCELLATION,
      });
      expect(order.types()).toEqual(COMPENSATED_AFTER_INVOICE);
      expect(kindsSent(order.projected)).toEqual(['order-received', 'order-confirmed', 'order-cancelled']);
      expect(await order.state()).toMatchObject({
        status: 'CANCELLED',
        reason: OPERATOR_CANCELLATION,
        invoice: { status: 'VOID' },
        version: COMPENSATED_AFTER_INVOICE.length,
      });
      const described = await order.handle.describe();
      expect(described.status.name).toBe('COMPLETED');
      expect(described.typedSearchAttributes.get(ORDER_STATUS)).toBe('CANCELLED');
    });
    expect(saga.calls.slice(-3)).toEqual(['voidInvoice', 'releaseStock', 'sendOrderEmail']);
  });

  test('given the due date passed and the invoice is being voided, when an operator cancels the run, then the compensation is not interrupted and the order ends as it was ending', async () => {
    const { voiding, saga } = sagaVoidingAtGate();
    await runOrder(env, 'operator-cancel-compensating', saga, async (order) => {
      const result = order.handle.result(); // lets the test server skip to the due date
      await voiding.reached;
      await order.handle.cancel();
      // The cancel request reaches the run (a workflow task) while the void is still running.
      await env.sleep('5 seconds');
      voiding.open();
      expect(await result).toMatchObject({ status: 'CANCELLED', reason: 'payment-timeout' });
      expect(order.types()).toEqual([
        ...COMPENSATED_AFTER_INVOICE.slice(0, 5),
        'PaymentReminderSent',
        ...COMPENSATED_AFTER_INVOICE.slice(5),
      ]);
    });
    expect(saga.calls.filter((c) => c === 'voidInvoice')).toHaveLength(1);
    expect(saga.calls.filter((c) => c === 'releaseStock')).toHaveLength(1);
  });

  test('given a paid order still closing, when an operator cancels the run, then the request is not taken and the order completes', async () => {
    const { held, beforeProject } = holdBatchWith('OrderCompleted');
    await runOrder(
      env,
      'operator-cancel-paid',
      mockSaga(),
      async (order) => {
        await order.until('AWAITING_PAYMENT');
        const paying = await order.handle.startUpdate(payOrderUpdate, {
          args: [PAYMENT],
          waitForStage: 'ACCEPTED',
        });
        await held.reached;
        await order.handle.cancel();
        await env.sleep('5 seconds');
        held.open();
        // The payment's caller still gets its answer: the cancel request does not cut its wait.
        expect(await paying.result()).toMatchObject({ status: 'COMPLETED' });
        expect(await order.handle.result()).toMatchObject({ status: 'COMPLETED' });
        expect(order.types()).not.toContain('StockReleased');
      },
      { beforeProject },
    );
  });

  test('given the due date passed and the store is slow to void, when a payment arrives, then it is refused and the order ends CANCELLED with no payment recorded', async () => {
    const { voiding, saga } = sagaVoidingAtGate();
    await runOrder(env, 'due-date-race', saga, async (order) => {
      const result = order.handle.result(); // lets the test server skip to the due date
      await voiding.reached;
      const refused = await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT] }).then(
        () => null,
        (err: unknown) => err,
      );
      voiding.open();
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect({ type: cause.type, message: cause.message }).toEqual({
        type: 'ORDER_NOT_AWAITING_PAYMENT',
        message: 'order is being cancelled (payment-timeout); it does not await a payment',
      });
      expect(await result).toMatchObject({ status: 'CANCELLED', reason: 'payment-timeout' });
      expect(order.types()).not.toContain('PaymentReceived');
      expect(await order.state()).toMatchObject({ payment: null, pending: { payment: null } });
    });
  });
});
