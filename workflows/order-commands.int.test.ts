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
  TOTAL,
} from '../test/helpers/order-harness';
import { quietWorkerLogs, timeSkippingEnv } from '../test/helpers/temporal';
import { cancelOrderUpdate, payOrderUpdate } from './order';

/** The typed refusal a validator sent back, as the API sees it. */
async function refusal(p: Promise<unknown>): Promise<{ type: string | null | undefined; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) {
    throw new Error(`expected a refused update, got ${String(err)}`);
  }
  return { type: err.cause.type, message: err.cause.message };
}

describe('order commands: payment and cancellation Updates (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    quietWorkerLogs();
    env = await timeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  test('given a cancellation that arrives with the start, when the run begins, then nothing is reserved and it ends CANCELLED', async () => {
    const saga = mockSaga();
    await runOrder(
      env,
      'cancel-before-reservation',
      saga,
      async (order) => {
        expect(await order.atStart).toMatchObject({
          status: 'CANCELLED',
          reason: 'changed my mind',
        });
        expect(await order.handle.result()).toMatchObject({ status: 'CANCELLED' });
        expect(order.types()).toEqual([
          'OrderPlaced',
          'NotificationSent',
          'OrderCancelled',
          'NotificationSent',
        ]);
      },
      { cancelAtStart: 'changed my mind' },
    );
    // order received, order cancelled; nothing reserved
    expect(saga.calls).toEqual(['sendOrderEmail', 'sendOrderEmail']);
  });

  test('given the reservation is running, when the order is cancelled, then the cancel lands once the local step ends and everything done is undone', async () => {
    const reserving = gate();
    const saga = mockSaga({
      reserveStock: async () => {
        await reserving.pass();
        return { lines: LINES, total: TOTAL, currency: 'EUR', stock: [] };
      },
    });
    await runOrder(env, 'cancel-in-flight', saga, async (order) => {
      await reserving.reached;
      // The reservation is a local activity: the Update reaches the run only in the workflow task
      // after it, right after the reservation or, if it gets to the server later, after the invoice.
      const update = order.handle.startUpdate(cancelOrderUpdate, {
        args: [{ reason: 'ordered by mistake' }],
        waitForStage: 'ACCEPTED',
      });
      reserving.open();
      const answered = await (await update).result();
      expect(answered).toMatchObject({ status: 'CANCELLED', reason: 'ordered by mistake' });
      await order.handle.result();
      const afterReservation = ['StockReserved', 'StockReleased', 'OrderCancelled', 'NotificationSent'];
      const afterInvoice = COMPENSATED_AFTER_INVOICE.slice(2);
      expect([afterReservation, afterInvoice]).toContainEqual(order.types().slice(2));
      expect(answered.invoice?.status ?? 'none').toBe(
        order.types().includes('InvoiceIssued') ? 'VOID' : 'none',
      );
      expect(order.projected.find((e) => e.type === 'StockReleased')?.data).toEqual({
        reason: 'ordered by mistake',
        stock: [],
      });
    });
    expect(saga.calls.filter((c) => c === 'releaseStock')).toHaveLength(1);
  });

  test('given an invoiced order, when it is cancelled, then the invoice is voided, then stock released, then CANCELLED', async () => {
    // The projector holds the batch that records the end, so the run is still open (and the first
    // cancel not yet answered) when the second one comes. Not held in an email: a local activity
    // keeps its workflow task, and an Update waits for the task to end.
    const { held: endBatch, beforeProject: holdEnd } = holdBatchWith('OrderCancelled');
    const saga = mockSaga();
    await runOrder(
      env,
      'cancel-after-invoice',
      saga,
      async (order) => {
        await order.until('AWAITING_PAYMENT');
        const first = await order.handle.startUpdate(cancelOrderUpdate, {
          args: [{ reason: 'too late' }],
          waitForStage: 'ACCEPTED',
        });
        // A second cancel while the run is open is the same cancellation, not an error. (After the
        // run has closed, the API answers a repeat from the ended order's state:
        // api/routes/order-commands.ts.)
        await endBatch.reached;
        const again = await order.handle.startUpdate(cancelOrderUpdate, {
          args: [{ reason: 'twice' }],
          waitForStage: 'ACCEPTED',
        });
        endBatch.open();
        for (const answer of [await first.result(), await again.result()]) {
          expect(answer).toMatchObject({
            status: 'CANCELLED',
            reason: 'too late',
            invoice: { status: 'VOID' },
          });
        }
        expect(await order.handle.result()).toMatchObject({ status: 'CANCELLED' });
        expect(order.types()).toEqual(COMPENSATED_AFTER_INVOICE);
      },
      { beforeProject: holdEnd },
    );
    expect(saga.calls.slice(-3)).toEqual(['voidInvoice', 'releaseStock', 'sendOrderEmail']);
  });

  test('given voiding fails for a while, when the order is cancelled, then the compensation retries until it succeeds', async () => {
    let failures = 3;
    const saga = mockSaga({
      voidInvoice: async () => {
        if (failures-- > 0) throw new Error('billing store unreachable');
        return { invoiceId: 'inv-o', number: 7 };
      },
    });
    await runOrder(env, 'void-retries', saga, async (order) => {
      await order.until('AWAITING_PAYMENT');
      await order.handle.startUpdate(cancelOrderUpdate, {
        args: [{ reason: 'x' }],
        waitForStage: 'ACCEPTED',
      });
      expect(await order.handle.result()).toMatchObject({ status: 'CANCELLED' });
      expect(order.types()).toEqual(COMPENSATED_AFTER_INVOICE);
    });
    expect(saga.calls.filter((c) => c === 'voidInvoice')).toHaveLength(4);
  });

  test('given a payment, when the same reference is sent again, then it is one payment with the same answer', async () => {
    await runOrder(env, 'duplicate-payment', mockSaga(), async (order) => {
      await order.until('AWAITING_PAYMENT');
      const first = await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT], updateId: 'pay:1' });
      // Same update id: Temporal answers with the recorded outcome.
      const sameId = await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT], updateId: 'pay:1' });
      expect(sameId).toEqual(first);
      expect(first).toMatchObject({ status: 'COMPLETED', payment: { reference: 'pay-1' } });
      expect(await order.handle.result()).toMatchObject({ status: 'COMPLETED' });
      expect(order.types().filter((t) => t === 'PaymentReceived')).toHaveLength(1);
    });
  });

  test('given a payment being processed, when the same reference arrives as a new request, then it is accepted as the same payment and a different one is refused', async () => {
    // Held as above: the projector holds the batch that records the completion.
    const { held: endBatch, beforeProject: holdEnd } = holdBatchWith('OrderCompleted');
    await runOrder(
      env,
      'payment-retried',
      mockSaga(),
      async (order) => {
        await order.until('AWAITING_PAYMENT');
        const first = await order.handle.startUpdate(payOrderUpdate, {
          args: [PAYMENT],
          waitForStage: 'ACCEPTED',
        });
        await endBatch.reached;
        // The payment is recorded, the run still open: the validator itself recognises the reference.
        const again = await order.handle.startUpdate(payOrderUpdate, {
          args: [PAYMENT],
          waitForStage: 'ACCEPTED',
        });
        expect(
          await refusal(
            order.handle.executeUpdate(payOrderUpdate, { args: [{ ...PAYMENT, reference: 'pay-2' }] }),
          ),
        ).toEqual({ type: 'ORDER_NOT_AWAITING_PAYMENT', message: 'order is already paid (reference pay-1)' });
        expect(
          await refusal(order.handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'too late' }] })),
        ).toEqual({ type: 'ORDER_ALREADY_PAID', message: 'order is paid; it can no longer be cancelled' });
        endBatch.open();
        for (const answer of [await first.result(), await again.result()]) {
          expect(answer).toMatchObject({ status: 'COMPLETED', payment: { reference: 'pay-1' } });
        }
        expect(await order.handle.result()).toMatchObject({ status: 'COMPLETED' });
        expect(order.types().filter((t) => t === 'PaymentReceived')).toHaveLength(1);
        expect(order.types()).not.toContain('OrderCancelled');
      },
      { beforeProject: holdEnd },
    );
  });

  test('given a wrong amount or an early payment, when paid, then it is refused with nothing recorded; the right amount then completes', async () => {
    // The early payment comes with the start, so it is decided as of `OrderPlaced`. (The steps up to
    // the invoice are local activities, run in the workflow task an Update would wait for.)
    await runOrder(
      env,
      'wrong-amount',
      mockSaga(),
      async (order) => {
        expect(await refusal(order.atStart as Promise<unknown>)).toEqual({
          type: 'ORDER_NOT_AWAITING_PAYMENT',
          message: 'order is PLACED; it does not await a payment',
        });
        await order.until('AWAITING_PAYMENT');
        expect(
          await refusal(order.handle.executeUpdate(payOrderUpdate, { args: [{ ...PAYMENT, amount: 100 }] })),
        ).toEqual({ type: 'PAYMENT_MISMATCH', message: 'must be the invoice total 17800 (178.00 EUR)' });
        expect(
          await refusal(
            order.handle.executeUpdate(payOrderUpdate, { args: [{ ...PAYMENT, currency: 'USD' }] }),
          ),
        ).toMatchObject({ type: 'PAYMENT_MISMATCH' });
        expect(await order.state()).toMatchObject({ status: 'AWAITING_PAYMENT', payment: null });
        await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT] });
        expect(await order.handle.result()).toMatchObject({ status: 'COMPLETED' });
        expect(order.projected.find((e) => e.type === 'PaymentReceived')?.data).toEqual({
          reference: 'pay-1',
          amount: TOTAL,
          currency: 'EUR',
        });
      },
      { payAtStart: PAYMENT },
    );
  });
});
